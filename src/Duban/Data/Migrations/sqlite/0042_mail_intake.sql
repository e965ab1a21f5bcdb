-- Duban schema 0042 (SQLite): the e-mail intake (Features/MailIntake). A module's own tables:
-- each message read into a matter, keyed by its mailbox and the SHA-256 of its Message-ID and written in the
-- matter's own transaction (so a message is registered once, even after a crash half-way); the attachments that are
-- not photos, kept with their matter; and one row per mailbox, the lease that lets one node read it at a time.
CREATE TABLE mail_intake_messages (
    matter_id INTEGER NOT NULL PRIMARY KEY REFERENCES matters(id),
    mailbox TEXT NOT NULL,
    message_id TEXT NOT NULL,
    received_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX ix_mail_intake_messages_key ON mail_intake_messages(mailbox, message_id);

CREATE TABLE mail_intake_files (
    matter_id INTEGER NOT NULL REFERENCES matters(id),
    seq INTEGER NOT NULL,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    content BLOB NOT NULL,
    PRIMARY KEY (matter_id, seq)
);

CREATE TABLE mail_intake_mailboxes (
    mailbox TEXT NOT NULL PRIMARY KEY,
    claimed_by TEXT NULL,
    claimed_at INTEGER NULL,
    read_at INTEGER NULL
);
