//! `meridian seed --articles N`: a knowledge base for each seeded tenant, for search and help-center
//! benchmarks. Every article has its source in English and four translations among ten languages
//! of as many scripts (Latin, Cyrillic, Arabic, Han, Kana, Hangul, Thai), written through the same
//! article door as the API, but without one index job each: `meridian reindex` indexes the lot.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::db::Db;
use crate::error::AppResult;
use crate::kb::articles::{create_unindexed, NewArticle, TranslationIn};
use crate::kb::structure::{create_category, create_section, NameIn};
use crate::kb::{Status, Visibility};
use crate::tenancy::{self, TenantId};
use crate::types::Actor;

/// One language's words: the topics (the same concept at each index in every language),
/// title patterns and body sentences, `{t}` standing for the topic.
struct Lang {
    locale: &'static str,
    topics: [&'static str; 10],
    titles: [&'static str; 3],
    sentences: [&'static str; 8],
}

const LANGS: [Lang; 10] = [
    Lang {
        locale: "en",
        topics: [
            "password",
            "invoice",
            "shipping",
            "refund",
            "two-factor authentication",
            "data export",
            "notifications",
            "integrations",
            "subscription",
            "account deletion",
        ],
        titles: ["How to fix {t} problems", "Managing your {t} settings", "{t}: frequently asked questions"],
        sentences: [
            "Open the settings page and choose {t} from the menu on the left.",
            "If the {t} page does not load, clear your browser cache and sign in again.",
            "Changes to {t} take effect within a few minutes for every member of your team.",
            "Administrators can review the {t} history under Reports.",
            "When you contact support about {t}, include the order number and a screenshot.",
            "The mobile app shows the same {t} options as the website.",
            "We send an email confirmation every time your {t} changes.",
            "Some plans limit how often {t} can be changed in one month.",
        ],
    },
    Lang {
        locale: "de",
        topics: [
            "Passwort",
            "Rechnung",
            "Versand",
            "Rückerstattung",
            "Zwei-Faktor-Authentifizierung",
            "Datenexport",
            "Benachrichtigungen",
            "Integrationen",
            "Abonnement",
            "Kontolöschung",
        ],
        titles: ["Probleme mit {t} beheben", "Einstellungen für {t} verwalten", "{t}: häufige Fragen"],
        sentences: [
            "Öffnen Sie die Einstellungen und wählen Sie links im Menü {t}.",
            "Wenn die Seite {t} nicht lädt, leeren Sie den Browser-Cache und melden Sie sich erneut an.",
            "Änderungen an {t} gelten nach wenigen Minuten für alle Mitglieder Ihres Teams.",
            "Administratoren sehen den Verlauf von {t} unter Berichte.",
            "Wenn Sie den Support wegen {t} kontaktieren, nennen Sie die Bestellnummer.",
            "Die mobile App bietet dieselben Optionen für {t} wie die Website.",
            "Bei jeder Änderung von {t} senden wir Ihnen eine Bestätigung per E-Mail.",
            "Manche Tarife begrenzen, wie oft {t} pro Monat geändert werden kann.",
        ],
    },
    Lang {
        locale: "pt-BR",
        topics: [
            "senha",
            "fatura",
            "entrega",
            "reembolso",
            "autenticação em dois fatores",
            "exportação de dados",
            "notificações",
            "integrações",
            "assinatura",
            "exclusão de conta",
        ],
        titles: ["Como resolver problemas de {t}", "Gerenciar as configurações de {t}", "{t}: perguntas frequentes"],
        sentences: [
            "Abra a página de configurações e escolha {t} no menu à esquerda.",
            "Se a página de {t} não carregar, limpe o cache do navegador e entre novamente.",
            "As alterações em {t} valem em poucos minutos para toda a equipe.",
            "Os administradores podem ver o histórico de {t} em Relatórios.",
            "Ao falar com o suporte sobre {t}, informe o número do pedido.",
            "O aplicativo mostra as mesmas opções de {t} que o site.",
            "Enviamos um e-mail de confirmação sempre que {t} muda.",
            "Alguns planos limitam quantas vezes {t} pode ser alterado por mês.",
        ],
    },
    Lang {
        locale: "es",
        topics: [
            "contraseña",
            "factura",
            "envío",
            "reembolso",
            "autenticación en dos pasos",
            "exportación de datos",
            "notificaciones",
            "integraciones",
            "suscripción",
            "eliminación de la cuenta",
        ],
        titles: ["Cómo solucionar problemas de {t}", "Gestionar la configuración de {t}", "{t}: preguntas frecuentes"],
        sentences: [
            "Abre la página de configuración y elige {t} en el menú de la izquierda.",
            "Si la página de {t} no carga, borra la caché del navegador e inicia sesión de nuevo.",
            "Los cambios en {t} se aplican en pocos minutos a todo tu equipo.",
            "Los administradores pueden revisar el historial de {t} en Informes.",
            "Cuando escribas a soporte sobre {t}, incluye el número de pedido.",
            "La aplicación móvil muestra las mismas opciones de {t} que la web.",
            "Enviamos un correo de confirmación cada vez que cambia {t}.",
            "Algunos planes limitan cuántas veces se puede cambiar {t} al mes.",
        ],
    },
    Lang {
        locale: "ru",
        topics: [
            "пароль",
            "счёт",
            "доставка",
            "возврат денег",
            "двухфакторная аутентификация",
            "экспорт данных",
            "уведомления",
            "интеграции",
            "подписка",
            "удаление аккаунта",
        ],
        titles: ["Как решить проблемы: {t}", "Настройки: {t}", "{t}: частые вопросы"],
        sentences: [
            "Откройте настройки и выберите раздел «{t}» в меню слева.",
            "Если страница «{t}» не открывается, очистите кэш браузера и войдите снова.",
            "Изменения в разделе «{t}» вступают в силу через несколько минут.",
            "Администраторы видят историю изменений «{t}» в отчётах.",
            "Обращаясь в поддержку по теме «{t}», укажите номер заказа.",
            "В мобильном приложении раздел «{t}» выглядит так же, как на сайте.",
            "Мы присылаем письмо с подтверждением при каждом изменении: {t}.",
            "На некоторых тарифах раздел «{t}» можно менять не чаще раза в месяц.",
        ],
    },
    Lang {
        locale: "ar",
        topics: [
            "كلمة المرور",
            "الفاتورة",
            "الشحن",
            "استرداد المبلغ",
            "المصادقة الثنائية",
            "تصدير البيانات",
            "الإشعارات",
            "التكاملات",
            "الاشتراك",
            "حذف الحساب",
        ],
        titles: ["كيفية حل مشكلات {t}", "إدارة إعدادات {t}", "{t}: الأسئلة الشائعة"],
        sentences: [
            "افتح صفحة الإعدادات واختر {t} من القائمة.",
            "إذا لم تظهر صفحة {t}، امسح ذاكرة المتصفح وسجّل الدخول مرة أخرى.",
            "تسري التغييرات على {t} خلال دقائق لجميع أعضاء فريقك.",
            "يمكن للمسؤولين مراجعة سجل {t} في التقارير.",
            "عند التواصل مع الدعم بشأن {t}، اذكر رقم الطلب.",
            "يعرض التطبيق خيارات {t} نفسها الموجودة في الموقع.",
            "نرسل رسالة تأكيد بالبريد الإلكتروني عند كل تغيير في {t}.",
            "تحدّ بعض الخطط من عدد مرات تغيير {t} في الشهر.",
        ],
    },
    Lang {
        locale: "zh-CN",
        topics: ["密码", "发票", "配送", "退款", "双重验证", "数据导出", "通知", "集成", "订阅", "注销账户"],
        titles: ["如何解决{t}问题", "管理{t}设置", "{t}常见问题"],
        sentences: [
            "打开设置页面，在左侧菜单中选择{t}。",
            "如果{t}页面无法加载，请清除浏览器缓存后重新登录。",
            "对{t}的更改会在几分钟内对团队所有成员生效。",
            "管理员可以在报表中查看{t}的历史记录。",
            "联系客服咨询{t}时，请提供订单号和截图。",
            "手机应用中的{t}选项与网站相同。",
            "每次{t}发生变化，我们都会发送确认邮件。",
            "部分套餐限制每月更改{t}的次数。",
        ],
    },
    Lang {
        locale: "ja",
        topics: [
            "パスワード",
            "請求書",
            "配送",
            "返金",
            "二段階認証",
            "データのエクスポート",
            "通知",
            "連携",
            "サブスクリプション",
            "アカウント削除",
        ],
        titles: ["{t}の問題を解決する方法", "{t}の設定を管理する", "{t}に関するよくある質問"],
        sentences: [
            "設定ページを開き、左側のメニューから{t}を選択してください。",
            "{t}のページが表示されない場合は、ブラウザのキャッシュを削除して再度ログインしてください。",
            "{t}の変更は数分以内にチーム全員に反映されます。",
            "管理者はレポート画面で{t}の履歴を確認できます。",
            "{t}についてサポートに連絡する際は、注文番号をお知らせください。",
            "モバイルアプリでもウェブサイトと同じ{t}の項目を利用できます。",
            "{t}が変更されるたびに確認メールをお送りします。",
            "一部のプランでは、{t}を変更できる回数に月ごとの上限があります。",
        ],
    },
    Lang {
        locale: "ko",
        topics: [
            "비밀번호",
            "청구서",
            "배송",
            "환불",
            "2단계 인증",
            "데이터 내보내기",
            "알림",
            "연동",
            "구독",
            "계정 삭제",
        ],
        titles: ["{t} 문제 해결 방법", "{t} 설정 관리", "{t} 자주 묻는 질문"],
        sentences: [
            "설정 페이지를 열고 왼쪽 메뉴에서 {t} 항목을 선택하세요.",
            "{t} 페이지가 열리지 않으면 브라우저 캐시를 지우고 다시 로그인하세요.",
            "{t} 변경 사항은 몇 분 안에 팀 전체에 적용됩니다.",
            "관리자는 보고서에서 {t} 기록을 확인할 수 있습니다.",
            "{t} 관련 문의 시 주문 번호를 알려 주세요.",
            "모바일 앱에서도 웹사이트와 같은 {t} 옵션을 사용할 수 있습니다.",
            "{t} 항목이 바뀔 때마다 확인 메일을 보내 드립니다.",
            "일부 요금제는 한 달에 {t} 항목을 바꿀 수 있는 횟수를 제한합니다.",
        ],
    },
    Lang {
        locale: "th",
        topics: [
            "รหัสผ่าน",
            "ใบแจ้งหนี้",
            "การจัดส่ง",
            "การคืนเงิน",
            "การยืนยันตัวตนสองขั้นตอน",
            "การส่งออกข้อมูล",
            "การแจ้งเตือน",
            "การเชื่อมต่อ",
            "การสมัครสมาชิก",
            "การลบบัญชี",
        ],
        titles: ["วิธีแก้ปัญหา{t}", "จัดการการตั้งค่า{t}", "คำถามที่พบบ่อยเกี่ยวกับ{t}"],
        sentences: [
            "เปิดหน้าการตั้งค่าแล้วเลือก{t}จากเมนูด้านซ้าย",
            "หากหน้า{t}ไม่แสดง ให้ล้างแคชของเบราว์เซอร์แล้วเข้าสู่ระบบอีกครั้ง",
            "การเปลี่ยนแปลง{t}จะมีผลกับทุกคนในทีมภายในไม่กี่นาที",
            "ผู้ดูแลระบบดูประวัติ{t}ได้ในหน้ารายงาน",
            "เมื่อติดต่อฝ่ายสนับสนุนเรื่อง{t} โปรดแจ้งหมายเลขคำสั่งซื้อ",
            "แอปบนมือถือมีตัวเลือก{t}เหมือนกับเว็บไซต์",
            "เราจะส่งอีเมลยืนยันทุกครั้งที่{t}มีการเปลี่ยนแปลง",
            "บางแพ็กเกจจำกัดจำนวนครั้งที่เปลี่ยน{t}ได้ต่อเดือน",
        ],
    },
];

/// The locales of seeded articles, English (every article's source) first.
pub fn locales() -> impl Iterator<Item = &'static str> {
    LANGS.iter().map(|l| l.locale)
}

/// The topic words of seeded articles in `locale` (what a benchmark searches for).
pub fn topics(locale: &str) -> &'static [&'static str] {
    LANGS.iter().find(|l| l.locale == locale).map(|l| &l.topics[..]).unwrap_or(&[])
}

fn translation(lang: &Lang, topic: usize, n: u64, rng: &mut StdRng) -> TranslationIn {
    let t = lang.topics[topic];
    let title = format!("{} ({n})", lang.titles[(n as usize) % lang.titles.len()].replace("{t}", t));
    let mut body = String::new();
    for p in 0..rng.gen_range(2..5) {
        if p > 0 {
            body.push_str("\n\n");
        }
        for s in 0..rng.gen_range(3..6) {
            if s > 0 && !matches!(lang.locale, "zh-CN" | "ja") {
                body.push(' ');
            }
            body.push_str(&lang.sentences[rng.gen_range(0..lang.sentences.len())].replace("{t}", t));
        }
    }
    // A word found in this article only: a rare term for the benchmark's selective queries.
    body.push_str(&format!("\n\nRef KB-{n:06}."));
    TranslationIn {
        locale: Some(lang.locale.to_string()),
        title,
        body_markdown: body,
        keywords: vec![t.to_string()],
        status: Some(Status::Published),
    }
}

/// Give each of the tenants `{prefix}-1` … `{prefix}-{tenants}` (made by [`super::seed`]) two
/// categories of three sections and `articles` articles; returns the translations written.
pub fn seed_articles(db: &Db, prefix: &str, tenants: usize, articles: u64, seed: u64) -> AppResult<u64> {
    let mut rng = StdRng::seed_from_u64(seed ^ 0x6b62);
    let mut written = 0u64;
    for n in 1..=tenants {
        let slug = format!("{prefix}-{n}");
        let tenant = db.write_blocking(|c| tenancy::by_slug(c, &slug))?;
        let tid = TenantId::from_trusted(tenant.id.clone());
        let sections = db.write_blocking(|c| {
            let mut sections = Vec::new();
            for (ci, name) in ["Account", "Billing"].into_iter().enumerate() {
                let names = [NameIn { locale: "en".into(), name: name.into(), description: None }];
                let category = create_category(c, &tid, Some(ci as i32), &names)?;
                for (si, s) in ["Getting started", "Troubleshooting", "Reference"].into_iter().enumerate() {
                    let names = [NameIn { locale: "en".into(), name: s.into(), description: None }];
                    sections.push(create_section(c, &tid, &category.id, Some(si as i32), &names)?.id);
                }
            }
            Ok(sections)
        })?;
        let chunk = 250u64;
        let mut made = 0u64;
        while made < articles {
            let upto = (made + chunk).min(articles);
            written += db.write_blocking(|c| {
                let mut count = 0u64;
                for a in made..upto {
                    let topic = rng.gen_range(0..10);
                    let mut translations = vec![translation(&LANGS[0], topic, a, &mut rng)];
                    // Four of the nine others, rotating, so every language has as many.
                    for k in 0..4 {
                        translations.push(translation(&LANGS[1 + ((a as usize + k * 2) % 9)], topic, a, &mut rng));
                    }
                    count += translations.len() as u64;
                    let new = NewArticle {
                        section_id: Some(sections[a as usize % sections.len()].clone()),
                        visibility: if a % 20 == 19 { Visibility::Internal } else { Visibility::Public },
                        translations,
                    };
                    create_unindexed(c, &tid, &Actor::System, &new)?;
                }
                Ok(count)
            })?;
            made = upto;
        }
        tracing::info!(tenant = %slug, articles, "seeded the knowledge base");
    }
    Ok(written)
}
