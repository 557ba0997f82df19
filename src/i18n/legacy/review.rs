//! The words of review before broadcast (`/trust`, `/review`, previews, the Approve and
//! Reject buttons and what a press answers), in every language the bot speaks: a table
//! per language that [`super::t`] consults after the main ones.

use super::Lang;

pub(super) fn table(lang: Lang) -> &'static [(&'static str, &'static str)] {
    match lang {
        Lang::En => EN,
        Lang::Ar => AR,
        Lang::Fr => FR,
    }
}

const EN: &[(&str, &str)] = &[
    (
        "cmd.trust",
        "Send a feed's appeals without review: /trust ID",
    ),
    (
        "cmd.review",
        "Hold a feed's appeals for approval: /review ID",
    ),
    (
        "trust.usage",
        "Send /trust FEED_ID (the numbers /feeds shows).",
    ),
    (
        "review.usage",
        "Send /review FEED_ID (the numbers /feeds shows).",
    ),
    (
        "trust.ok",
        "Feed {id} ({name}) is trusted: its appeals go out without review.",
    ),
    (
        "review.ok",
        "Feed {id} ({name}) is under review: its appeals wait for an organizer's approval.",
    ),
    ("feeds.under_review", "   under review"),
    (
        "review.reason.feed",
        "Held for review: feed {id} ({name}) is under review. Approve sends it to every subscriber.",
    ),
    (
        "review.reason.sites",
        "Held for review: its action links go to {sites}, which feed {id} ({name}) never linked to before. Approve sends it to every subscriber.",
    ),
    ("review.approve", "Approve"),
    ("review.reject", "Reject"),
    ("review.approved", "Approved: it goes to every subscriber."),
    ("review.rejected", "Rejected: it will never be sent."),
    (
        "review.already.approved",
        "Already approved by {name}: nothing more is sent.",
    ),
    (
        "review.already.rejected",
        "Already rejected by {name}: nothing is sent.",
    ),
    (
        "review.expired",
        "This appeal waited 48 hours without a decision and expired: nothing is sent.",
    ),
    (
        "review.not_allowed",
        "Only the organizer who added this feed and the admins can decide on it.",
    ),
    ("review.gone", "This appeal is not held any more."),
    ("review.done.approved", "Approved by {name}."),
    ("review.done.rejected", "Rejected by {name}."),
    (
        "review.done.expired",
        "Expired: no decision within 48 hours.",
    ),
    (
        "stats.review",
        "Held for review: {held} ({pending} waiting, {approved} approved, {rejected} rejected, {expired} expired)",
    ),
];

const AR: &[(&str, &str)] = &[
    ("cmd.trust", "إرسال نداءات مصدر دون مراجعة: /trust رقم"),
    ("cmd.review", "حجز نداءات مصدر حتى الموافقة: /review رقم"),
    (
        "trust.usage",
        "أرسل /trust رقم_المصدر (الأرقام التي يعرضها /feeds).",
    ),
    (
        "review.usage",
        "أرسل /review رقم_المصدر (الأرقام التي يعرضها /feeds).",
    ),
    (
        "trust.ok",
        "المصدر {id} ({name}) موثوق: تُرسل نداءاته دون مراجعة.",
    ),
    (
        "review.ok",
        "المصدر {id} ({name}) قيد المراجعة: تنتظر نداءاته موافقة منظِّم.",
    ),
    ("feeds.under_review", "   قيد المراجعة"),
    (
        "review.reason.feed",
        "محجوز للمراجعة: المصدر {id} ({name}) قيد المراجعة. الموافقة ترسله إلى كل المشتركين.",
    ),
    (
        "review.reason.sites",
        "محجوز للمراجعة: روابط الفعل فيه تذهب إلى {sites}، ولم يربط المصدر {id} ({name}) بها من قبل. الموافقة ترسله إلى كل المشتركين.",
    ),
    ("review.approve", "موافقة"),
    ("review.reject", "رفض"),
    ("review.approved", "تمت الموافقة: يُرسل إلى كل المشتركين."),
    ("review.rejected", "رُفض: لن يُرسل أبدًا."),
    (
        "review.already.approved",
        "وافق عليه {name} من قبل: لا يُرسل شيء آخر.",
    ),
    ("review.already.rejected", "رفضه {name} من قبل: لا يُرسل شيء."),
    (
        "review.expired",
        "انتظر هذا النداء 48 ساعة دون قرار وانتهت مدته: لا يُرسل شيء.",
    ),
    (
        "review.not_allowed",
        "القرار فيه للمنظِّم الذي أضاف المصدر وللمشرفين فقط.",
    ),
    ("review.gone", "لم يعد هذا النداء محجوزًا."),
    ("review.done.approved", "وافق عليه {name}."),
    ("review.done.rejected", "رفضه {name}."),
    ("review.done.expired", "انتهت مدته: لا قرار خلال 48 ساعة."),
    (
        "stats.review",
        "محجوز للمراجعة: {held} (بانتظار القرار {pending}، موافق عليه {approved}، مرفوض {rejected}، منتهي {expired})",
    ),
];

const FR: &[(&str, &str)] = &[
    (
        "cmd.trust",
        "Envoyer les appels d'un flux sans relecture : /trust ID",
    ),
    (
        "cmd.review",
        "Retenir les appels d'un flux pour approbation : /review ID",
    ),
    (
        "trust.usage",
        "Envoyez /trust ID_DU_FLUX (les numéros que montre /feeds).",
    ),
    (
        "review.usage",
        "Envoyez /review ID_DU_FLUX (les numéros que montre /feeds).",
    ),
    (
        "trust.ok",
        "Le flux {id} ({name}) est de confiance : ses appels partent sans relecture.",
    ),
    (
        "review.ok",
        "Le flux {id} ({name}) est en relecture : ses appels attendent l'approbation d'un organisateur.",
    ),
    ("feeds.under_review", "   en relecture"),
    (
        "review.reason.feed",
        "Retenu pour relecture : le flux {id} ({name}) est en relecture. Approuver l'envoie à tous les abonnés.",
    ),
    (
        "review.reason.sites",
        "Retenu pour relecture : ses liens d'action mènent à {sites}, où le flux {id} ({name}) n'a jamais renvoyé. Approuver l'envoie à tous les abonnés.",
    ),
    ("review.approve", "Approuver"),
    ("review.reject", "Rejeter"),
    (
        "review.approved",
        "Approuvé : il part vers tous les abonnés.",
    ),
    ("review.rejected", "Rejeté : il ne sera jamais envoyé."),
    (
        "review.already.approved",
        "Déjà approuvé par {name} : rien de plus n'est envoyé.",
    ),
    (
        "review.already.rejected",
        "Déjà rejeté par {name} : rien n'est envoyé.",
    ),
    (
        "review.expired",
        "Cet appel a attendu 48 heures sans décision et a expiré : rien n'est envoyé.",
    ),
    (
        "review.not_allowed",
        "Seuls l'organisateur qui a ajouté ce flux et les admins peuvent en décider.",
    ),
    ("review.gone", "Cet appel n'est plus retenu."),
    ("review.done.approved", "Approuvé par {name}."),
    ("review.done.rejected", "Rejeté par {name}."),
    (
        "review.done.expired",
        "Expiré : aucune décision en 48 heures.",
    ),
    (
        "stats.review",
        "Retenus pour relecture : {held} ({pending} en attente, {approved} approuvés, {rejected} rejetés, {expired} expirés)",
    ),
];
