//! A deadline for reading request bodies, so a client that stalls its body (one byte now and then)
//! cannot hold a connection and a worker's attention forever. Slow headers are already cut by
//! actix-web's `client_request_timeout`; nothing there bounds the body.
//!
//! The deadline starts with the request: `base` to send the body, plus one second for every
//! `bytes_per_sec` bytes received, so a large upload on a slow but steady link keeps earning
//! time while a dribble does not. It only runs while a handler reads the body: bodiless requests
//! and long-lived responses (the `/events` stream) are never affected.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpResponse, ResponseError};
use futures_util::Stream;
use tokio::time::{Instant, Sleep};

use crate::app::AppState;
use crate::error::AppError;

/// How long a body may take.
#[derive(Debug, Clone, Copy)]
pub struct BodyDeadline {
    /// Time allowed for any body, however small.
    pub base: Duration,
    /// Each this many bytes received add a second.
    pub bytes_per_sec: u64,
}

impl BodyDeadline {
    fn deadline(&self, started: Instant, received: u64) -> Instant {
        started + self.base + Duration::from_secs(received / self.bytes_per_sec.max(1))
    }
}

/// The request's body, failing once its deadline passes.
struct Deadlined {
    inner: Payload,
    limits: BodyDeadline,
    started: Instant,
    received: u64,
    timer: Pin<Box<Sleep>>,
    expired: Rc<Cell<bool>>,
    finished: bool,
}

impl Stream for Deadlined {
    type Item = Result<web::Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.finished {
            return Poll::Ready(None);
        }
        match Pin::new(&mut this.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                this.received += chunk.len() as u64;
                let deadline = this.limits.deadline(this.started, this.received);
                this.timer.as_mut().reset(deadline);
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(None) => {
                this.finished = true;
                Poll::Ready(None)
            }
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(e))),
            Poll::Pending => {
                if this.timer.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                this.finished = true;
                this.expired.set(true);
                let e = std::io::Error::new(std::io::ErrorKind::TimedOut, "request body timed out");
                Poll::Ready(Some(Err(PayloadError::Io(e))))
            }
        }
    }
}

/// Give the body a deadline; when it passes, answer 408 and close the connection, whatever the
/// extractor made of the failed read.
pub async fn body_deadline(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    // A WebSocket's "body" is the connection's lifetime of frames; the socket has its own limits.
    let upgrade = req.headers().get(header::UPGRADE).is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"websocket"));
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let Some(state) = state.filter(|_| !upgrade) else {
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    };
    let limits = BodyDeadline {
        base: Duration::from_secs(state.config.body_timeout_secs),
        bytes_per_sec: state.config.body_min_rate,
    };
    let started = Instant::now();
    let expired = Rc::new(Cell::new(false));
    let body = Deadlined {
        inner: req.take_payload(),
        limits,
        started,
        received: 0,
        timer: Box::pin(tokio::time::sleep_until(limits.deadline(started, 0))),
        expired: expired.clone(),
        finished: false,
    };
    req.set_payload(Payload::from(Box::pin(body) as Pin<Box<dyn Stream<Item = _>>>));
    let res = next.call(req).await;
    if !expired.get() {
        return res.map(ServiceResponse::map_into_boxed_body);
    }
    let res = res?;
    let req = res.request().clone();
    tracing::info!(path = req.path(), "request body timed out");
    let mut timeout = if req.path().starts_with("/api/") {
        AppError::RequestTimeout.error_response()
    } else {
        let accept = req.headers().get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
        let locale = state.i18n.negotiate(None, accept, None);
        let page = super::console::render_error(&state, &locale, &AppError::RequestTimeout, None);
        HttpResponse::RequestTimeout()
            .insert_header((header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8")))
            .body(page)
    };
    // The rest of the body is still on its way; the connection cannot carry another request.
    timeout.head_mut().set_connection_type(actix_web::http::ConnectionType::Close);
    Ok(ServiceResponse::new(req, timeout))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn received_bytes_earn_time_at_the_minimum_rate() {
        let limits = BodyDeadline { base: Duration::from_secs(20), bytes_per_sec: 500 };
        let t0 = Instant::now();
        assert_eq!(limits.deadline(t0, 0), t0 + Duration::from_secs(20));
        assert_eq!(limits.deadline(t0, 499), t0 + Duration::from_secs(20));
        assert_eq!(limits.deadline(t0, 25 << 20), t0 + Duration::from_secs(20 + (25 << 20) / 500));
    }
}
