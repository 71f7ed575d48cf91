//! The demo tenant seeded on first start, so a fresh install is usable at once: three teams on
//! shifts in three zones, two more agents with their languages, and a score of tickets in seven
//! languages over email and chat, some answered, noted, tagged or solved. It is made in the same
//! transaction as the tenant, on an empty database only, so a restart never adds it twice.

use chrono::Duration;

use crate::accounts::agents::{self, NewAgent, Proficiency};
use crate::accounts::{passwords, tokens, Role};
use crate::db::{now, Db, DbConnection};
use crate::error::AppResult;
use crate::routing::schedule::{ScheduleDoc, ShiftDoc};
use crate::tenancy::{self, NewTenant, TenantId};
use crate::tickets::commands::{self, NewMessage, NewTicket, Requester};
use crate::tickets::create::Creation;
use crate::tickets::intake::{open_in_transaction, History, Unrouted};
use crate::types::{Actor, Channel, MessageKind, Priority, Status};

/// Slug of the demo tenant.
pub const DEMO_SLUG: &str = "demo";
/// Email of the demo owner.
pub const DEMO_EMAIL: &str = "owner@demo.example";

/// A demo agent: (name, email, time zone, team index, languages).
type DemoAgent = (&'static str, &'static str, &'static str, usize, &'static [(&'static str, Proficiency)]);

/// The demo's other agents.
const AGENTS: [DemoAgent; 2] = [
    (
        "Ana Souza",
        "ana.souza@demo.example",
        "America/Sao_Paulo",
        1,
        &[("pt", Proficiency::Native), ("es", Proficiency::Fluent), ("en", Proficiency::Fluent)],
    ),
    (
        "Kenji Tanaka",
        "kenji.tanaka@demo.example",
        "Asia/Tokyo",
        2,
        &[("ja", Proficiency::Native), ("zh", Proficiency::Working), ("en", Proficiency::Fluent)],
    ),
];

/// The demo's teams: (name, zone, weekday shift start and end).
const TEAMS: [(&str, &str, &str, &str); 3] = [
    ("Europe", "Europe/Lisbon", "08:00", "17:00"),
    ("Americas", "America/Sao_Paulo", "09:00", "18:00"),
    ("Asia Pacific", "Asia/Tokyo", "09:00", "18:00"),
];

/// One demo ticket: language, channel, requester (name, email), subject, first message,
/// status, priority, tags, team, assignee (0 owner, 1 Ana, 2 Kenji), an agent's reply, a note.
struct DemoTicket {
    lang: &'static str,
    chat: bool,
    from: (&'static str, &'static str),
    subject: &'static str,
    body: &'static str,
    status: Status,
    priority: Priority,
    tags: &'static [&'static str],
    team: usize,
    assignee: Option<usize>,
    reply: Option<&'static str>,
    note: Option<&'static str>,
}

// One positional call per row keeps the table below readable as a table.
#[allow(clippy::too_many_arguments)]
const fn t(
    lang: &'static str,
    chat: bool,
    from: (&'static str, &'static str),
    subject: &'static str,
    body: &'static str,
    status: Status,
    priority: Priority,
    tags: &'static [&'static str],
    team: usize,
    assignee: Option<usize>,
    reply: Option<&'static str>,
    note: Option<&'static str>,
) -> DemoTicket {
    DemoTicket { lang, chat, from, subject, body, status, priority, tags, team, assignee, reply, note }
}

use Priority::{High, Low, Normal, Urgent};
use Status::{New, Open, Pending, Solved};

const TICKETS: [DemoTicket; 20] = [
    t("en", false, ("Olivia Bennett", "olivia.bennett@northwind.example"), "Invoice shows the wrong VAT number",
      "Hello, our invoice for November shows our old VAT number. Could you send a corrected one?",
      Open, Normal, &["billing"], 0, Some(0), Some("Thanks Olivia, I have asked finance to reissue it today."), Some("Finance ticket FIN-2231.")),
    t("en", true, ("Liam Carter", "liam.carter@contoso.example"), "Cannot log in after password change",
      "Hi, I changed my password this morning and now the app says my account is locked.",
      New, High, &["login"], 0, None, None, None),
    t("en", false, ("Priya Raman", "priya.raman@fabrikam.example"), "API returns 429 during our nightly sync",
      "Our nightly export hits 429 responses after about two thousand requests. What is the limit?",
      Pending, Normal, &["api"], 0, Some(0), Some("The limit is per token and minute; spreading the sync or using a second token helps. Does that work for you?"), None),
    t("pt-BR", false, ("João Pereira", "joao.pereira@mercado.example"), "Pedido não chegou",
      "Olá, fiz o pedido 4821 há duas semanas e ainda não chegou. Podem verificar?",
      Open, High, &["shipping"], 1, Some(1), Some("Olá João, a transportadora confirmou a entrega para amanhã."), Some("Rastreio: BR123456789.")),
    t("pt-BR", true, ("Mariana Costa", "mariana.costa@loja.example"), "Como altero o endereço de entrega?",
      "Oi! Preciso mudar o endereço de entrega do meu último pedido.",
      Solved, Normal, &["shipping"], 1, Some(1), Some("Pronto, Mariana: o endereço foi atualizado."), None),
    t("pt-BR", false, ("Rafael Lima", "rafael.lima@empresa.example"), "Cobrança duplicada no cartão",
      "Bom dia, fui cobrado duas vezes pela assinatura deste mês. Podem estornar uma delas?",
      Open, Urgent, &["billing", "refund"], 1, Some(1), None, Some("Verificar com o financeiro antes de responder.")),
    t("es", false, ("Lucía Fernández", "lucia.fernandez@tienda.example"), "No puedo iniciar sesión",
      "Hola, desde ayer no puedo entrar en mi cuenta. Me dice que la contraseña es incorrecta.",
      Pending, Normal, &["login"], 1, Some(1), Some("Hola Lucía, te enviamos un enlace para restablecer la contraseña. ¿Funcionó?"), None),
    t("es", true, ("Diego Martínez", "diego.martinez@correo.example"), "¿Tienen factura electrónica?",
      "Buenas, ¿pueden emitir factura electrónica con mi RFC?",
      Solved, Low, &["billing"], 1, Some(1), Some("Sí, Diego. Ya está disponible en tu panel de facturación."), None),
    t("es", false, ("Carmen Ruiz", "carmen.ruiz@empresa.example"), "Reembolso pendiente",
      "Devolví el producto hace diez días y todavía no recibí el reembolso.",
      New, Normal, &["refund"], 1, None, None, None),
    t("de", false, ("Lukas Schneider", "lukas.schneider@firma.example"), "Rechnung fehlt",
      "Guten Tag, für die Bestellung 7730 habe ich keine Rechnung erhalten. Können Sie sie mir schicken?",
      Open, Normal, &["billing"], 0, Some(0), Some("Guten Tag Herr Schneider, die Rechnung ist unterwegs."), None),
    t("de", true, ("Anna Müller", "anna.mueller@beispiel.example"), "Lieferung beschädigt",
      "Hallo, das Paket kam heute mit einer zerbrochenen Vase an. Was kann ich tun?",
      Open, High, &["shipping", "refund"], 0, None, None, Some("Fotos angefordert.")),
    t("de", false, ("Jonas Weber", "jonas.weber@gmbh.example"), "Zugang für neue Kollegin",
      "Wir brauchen einen Zugang für eine neue Kollegin im Einkauf.",
      Solved, Low, &["login"], 0, Some(0), Some("Erledigt: die Einladung ist verschickt."), None),
    t("fr", false, ("Camille Dubois", "camille.dubois@societe.example"), "Remboursement en attente",
      "Bonjour, j'attends toujours le remboursement de ma commande annulée.",
      Pending, Normal, &["refund"], 0, Some(0), Some("Bonjour Camille, le remboursement part aujourd'hui."), None),
    t("zh-CN", false, ("王芳", "wang.fang@gongsi.example"), "无法登录账户",
      "你好，我的账户从昨天开始就无法登录，提示密码错误。",
      Open, High, &["login"], 2, Some(2), Some("王女士您好，我们已向您发送了重置密码的链接。"), Some("用户使用的是旧版应用。")),
    t("zh-CN", true, ("李伟", "li.wei@shangdian.example"), "发票抬头需要修改",
      "请帮我把上个月发票的抬头改成公司名称。",
      Solved, Normal, &["billing"], 2, Some(2), Some("已为您修改，新的发票已发送到您的邮箱。"), None),
    t("zh-CN", false, ("张敏", "zhang.min@keji.example"), "退款还没有到账",
      "我一周前申请了退款，但到现在还没有收到。",
      New, Urgent, &["refund", "vip"], 2, None, None, None),
    t("ja", false, ("佐藤 美咲", "misaki.sato@kaisha.example"), "ログインできません",
      "昨日からアカウントにログインできません。パスワードは正しいはずです。",
      Open, High, &["login"], 2, Some(2), Some("佐藤様、パスワード再設定のリンクをお送りしました。"), None),
    t("ja", true, ("鈴木 健太", "kenta.suzuki@mise.example"), "配送先を変更したい",
      "注文した商品の配送先を変更することはできますか？",
      Pending, Normal, &["shipping"], 2, Some(2), Some("はい、変更できます。新しい住所を教えていただけますか？"), None),
    t("ja", false, ("高橋 直子", "naoko.takahashi@shoji.example"), "請求書の再発行",
      "先月の請求書を再発行していただけますか。",
      Solved, Low, &["billing"], 2, Some(2), Some("再発行した請求書をお送りしました。"), None),
    t("en", true, ("Noah Williams", "noah.williams@startup.example"), "Feature request: dark mode",
      "Love the widget! Any plans for a dark mode?",
      Open, Low, &["feedback"], 0, None, None, Some("Forward to product.")),
];

/// What the operator needs to sign in to the demo tenant.
pub struct DemoCredentials {
    pub workspace: String,
    pub email: String,
    pub password: String,
    /// The other demo agents' emails; they share `agents_password`.
    pub agents: Vec<String>,
    pub agents_password: String,
}

/// Create the demo tenant, its owner (with a fresh random password), its agents, teams and
/// tickets, all in one transaction.
pub fn seed(db: &Db) -> AppResult<DemoCredentials> {
    let password = tokens::random_secret(15);
    let hash = passwords::hash_blocking(&password)?;
    let agents_password = tokens::random_secret(15);
    let agents_hash = passwords::hash_blocking(&agents_password)?;
    db.write_blocking(|c| {
        let tenant = tenancy::create(
            c,
            &NewTenant {
                slug: DEMO_SLUG.into(),
                name: "Demo Support".into(),
                locale: "en".into(),
                time_zone: "Europe/Lisbon".into(),
            },
        )?;
        let tid = tenant.tenant_id();
        let owner = agents::create(
            c,
            &tid,
            &NewAgent {
                email: DEMO_EMAIL.into(),
                name: "Demo Owner".into(),
                role: Role::Owner,
                locale: None,
                time_zone: None,
            },
            Some(hash),
        )?;
        agents::set_languages(
            c,
            &tid,
            &owner.id,
            &[("en".into(), Proficiency::Native), ("pt".into(), Proficiency::Working)],
        )?;
        sample_data(c, &tid, owner.id.to_string(), &agents_hash)
    })?;
    Ok(DemoCredentials {
        workspace: DEMO_SLUG.into(),
        email: DEMO_EMAIL.into(),
        password,
        agents: AGENTS.iter().map(|a| a.1.to_string()).collect(),
        agents_password,
    })
}

/// The teams, agents and tickets of the demo.
fn sample_data(c: &mut DbConnection, tid: &TenantId, owner: String, agents_hash: &str) -> AppResult<()> {
    let weekdays: Vec<String> = ["mon", "tue", "wed", "thu", "fri"].iter().map(|d| d.to_string()).collect();
    let mut teams = Vec::new();
    for (name, zone, start, end) in TEAMS {
        let team = crate::tickets::teams::create(c, tid, name)?;
        let shift = ShiftDoc { days: weekdays.clone(), start: start.into(), end: end.into() };
        let doc = ScheduleDoc { time_zone: zone.into(), shifts: vec![shift], holidays: vec![] };
        crate::routing::store::set_team_schedule(c, tid, &team.id, &doc)?;
        teams.push(team.id.to_string());
    }
    crate::tickets::teams::add_member(c, tid, &teams[0], &owner)?;
    let mut people = vec![owner];
    for (name, email, zone, team, langs) in AGENTS {
        let new = NewAgent {
            email: email.into(),
            name: name.into(),
            role: Role::Agent,
            locale: None,
            time_zone: Some(zone.into()),
        };
        let a = agents::create(c, tid, &new, Some(agents_hash.to_string()))?;
        let langs: Vec<(String, Proficiency)> = langs.iter().map(|(l, p)| (l.to_string(), *p)).collect();
        agents::set_languages(c, tid, &a.id, &langs)?;
        crate::tickets::teams::add_member(c, tid, &teams[team], &a.id)?;
        people.push(a.id.to_string());
    }
    // Spread over the last four days, oldest first, so the inbox reads like a real week.
    let start = now() - Duration::days(4);
    let step = Duration::days(4).num_seconds() / (TICKETS.len() as i64 + 1);
    let creations: Vec<Creation> = TICKETS
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let at = start + Duration::seconds(step * (i as i64 + 1));
            let new = NewTicket {
                subject: d.subject.into(),
                body_text: d.body.into(),
                body_html: None,
                requester: Requester::Email { email: d.from.1.into(), name: Some(d.from.0.into()) },
                priority: d.priority,
                tags: d.tags.iter().map(|t| t.to_string()).collect(),
                language: Some(d.lang.into()),
                channel: if d.chat { Channel::Chat } else { Channel::Email },
                assignee_id: d.assignee.map(|a| people[a].as_str().into()),
                team_id: Some(teams[d.team].as_str().into()),
            };
            let mut creation = Creation::new(Actor::System, new);
            creation.history = Some(History { status: d.status, created_at: at, updated_at: at });
            creation
        })
        .collect();
    let opened = open_in_transaction(c, tid, &Unrouted, creations)?;
    for (d, r) in TICKETS.iter().zip(opened) {
        let (ticket, _) = r?;
        let author = Actor::Agent(people[d.assignee.unwrap_or(0)].as_str().into());
        let channel = if d.chat { Channel::Chat } else { Channel::Email };
        for (kind, text) in [(MessageKind::Note, d.note), (MessageKind::Reply, d.reply)] {
            if let Some(text) = text {
                let m = NewMessage { kind, channel, body_text: text.into(), body_html: None, attachments: vec![] };
                commands::add_message(c, tid, &author, &ticket.id, &m)?;
            }
        }
    }
    Ok(())
}

/// On an empty database (and with `demo` on), seed the demo tenant; `None` when data exists.
pub fn seed_if_empty(db: &Db) -> AppResult<Option<DemoCredentials>> {
    let mut conn = db.conn()?;
    if tenancy::count(&mut conn)? > 0 {
        return Ok(None);
    }
    drop(conn);
    match seed(db) {
        Ok(c) => Ok(Some(c)),
        // Another process seeded it first.
        Err(crate::error::AppError::Conflict(_)) => Ok(None),
        Err(e) => Err(e),
    }
}
