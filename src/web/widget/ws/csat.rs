//! The connection's satisfaction prompt: sent when its conversation is (or becomes) solved and
//! after every rating of it (from this tab or another), and the visitor's `rate` frames.

use super::{Connection, End};
use crate::chat::csat::{self, Prompt};
use crate::error::AppError;
use crate::web::widget::frames::{Close, ServerFrame};

impl Connection {
    /// Send the prompt if the conversation may be rated now.
    pub(super) async fn offer_csat(&mut self) -> Result<(), End> {
        let Some(ticket) = self.ticket.clone() else { return Ok(()) };
        let tid = self.tid.clone();
        match self.app.db.read(move |c| csat::prompt(c, &tid, &ticket)).await {
            Ok(Some(p)) => self.send_csat(&p).await,
            Ok(None) => Ok(()),
            Err(e) => {
                tracing::warn!(error = %e, "reading a conversation's rating failed");
                Err(Close::ServerError.into())
            }
        }
    }

    /// Store the visitor's rating and answer with the prompt as it now stands, or an `error`
    /// frame naming what was refused (the connection stays open).
    pub(super) async fn rate(&mut self, score: i64, comment: Option<String>) -> Result<(), End> {
        let Some(visitor_id) = self.visitor.as_ref().map(|v| v.id.clone()) else {
            return Err(Close::HelloExpected.into());
        };
        let tid = self.tid.clone();
        // Out of i32's range is as wrong as 0: the domain check names the field.
        let score = i32::try_from(score).unwrap_or(0);
        let rated = self.app.db.write(move |c| csat::rate(c, &tid, &visitor_id, score, comment.as_deref())).await;
        match rated {
            Ok(p) => self.send_csat(&p).await,
            Err(AppError::Invalid { key, detail, .. }) => {
                self.send(&ServerFrame::Error { client_id: None, code: key, detail: &detail }).await
            }
            Err(AppError::Conflict(detail)) => {
                self.send(&ServerFrame::Error { client_id: None, code: "error-conflict", detail: &detail }).await
            }
            Err(e) => {
                tracing::warn!(error = %e, "storing a rating failed");
                Err(Close::ServerError.into())
            }
        }
    }

    async fn send_csat(&mut self, p: &Prompt) -> Result<(), End> {
        self.send(&ServerFrame::Csat { conversation_id: &p.ticket_id, score: p.score, comment: p.comment.as_deref() })
            .await
    }
}
