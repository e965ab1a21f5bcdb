-- Duban schema 0042 (PostgreSQL): the e-mail intake (Features/MailIntake). A module's own tables:
-- each message read into a matter, keyed by its mailbox and the SHA-256 of its Message-ID and written in the
-- matter's own transaction (so a message is registered once, even after a crash half-way); the attachments that are
-- not photos, kept with their matter; and one row per mailbox, the lease that lets one node read it at a time.
CREATE TABLE mail_intake_messages (
    matter_id bigint NOT NULL PRIMARY KEY REFERENCES matters(id),
    mailbox text NOT NULL,
    message_id text NOT NULL,
    received_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX ix_mail_intake_messages_key ON mail_intake_messages(mailbox, message_id);

CREATE TABLE mail_intake_files (
    matter_id bigint NOT NULL REFERENCES matters(id),
    seq integer NOT NULL,
    file_name text NOT NULL,
    content_type text NOT NULL,
    size integer NOT NULL,
    sha256 text NOT NULL,
    content bytea NOT NULL,
    PRIMARY KEY (matter_id, seq)
);

CREATE TABLE mail_intake_mailboxes (
    mailbox text NOT NULL PRIMARY KEY,
    claimed_by text NULL,
    claimed_at timestamptz NULL,
    read_at timestamptz NULL
);
