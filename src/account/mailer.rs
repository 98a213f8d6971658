//! Messages to account holders. The platform has no mail server: the default mailer writes each
//! message to the log, where the operator can pass it on.

/// A message to one person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMail {
    /// The recipient's e-mail address.
    pub to: String,
    /// The subject line.
    pub subject: String,
    /// The link the message is about, when there is one.
    pub link: Option<String>,
}

/// Sends messages to account holders.
pub trait Mailer: Send + Sync {
    /// Sends one message; failures are the mailer's to report.
    fn send(&self, mail: &OutgoingMail);
}

/// Writes each message to the log at `warn`, since nobody receives it otherwise.
#[derive(Debug, Default, Clone, Copy)]
pub struct LogMailer;

impl Mailer for LogMailer {
    fn send(&self, mail: &OutgoingMail) {
        tracing::warn!(
            to = %mail.to,
            subject = %mail.subject,
            link = mail.link.as_deref().unwrap_or_default(),
            "no mail server: pass this message on to its recipient"
        );
    }
}
