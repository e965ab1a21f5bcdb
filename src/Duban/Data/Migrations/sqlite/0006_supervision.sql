-- Duban schema 0006 (SQLite): deadlines and supervision (Features/Supervision).
-- A matter's clock: the time-limit policy it runs under, when the handling clock started, when
-- its light turns yellow, its pauses (each a pause/resume event), extensions granted, 重点督办,
-- a required rectification plan, its weight in its parent's progress, and the automatic steps
-- (reminder 催办, supervision notice 督办通知, escalation 提级督办) taken for its current deadline.
-- All of it is hashed into the matter's state by the audit chain (AuditLog.StateHash).
ALTER TABLE matters ADD COLUMN time_policy TEXT NULL;
ALTER TABLE matters ADD COLUMN accept_due_at INTEGER NULL;
ALTER TABLE matters ADD COLUMN clock_started_at INTEGER NULL;
ALTER TABLE matters ADD COLUMN yellow_at INTEGER NULL;
ALTER TABLE matters ADD COLUMN paused_at INTEGER NULL;
ALTER TABLE matters ADD COLUMN pause_kind TEXT NULL;
ALTER TABLE matters ADD COLUMN paused_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE matters ADD COLUMN extension_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE matters ADD COLUMN key_supervision INTEGER NOT NULL DEFAULT 0;
ALTER TABLE matters ADD COLUMN plan_required INTEGER NOT NULL DEFAULT 0;
ALTER TABLE matters ADD COLUMN last_progress_at INTEGER NULL;
ALTER TABLE matters ADD COLUMN weight INTEGER NOT NULL DEFAULT 1;
ALTER TABLE matters ADD COLUMN steps_due_at INTEGER NULL;
ALTER TABLE matters ADD COLUMN reminded_at INTEGER NULL;
ALTER TABLE matters ADD COLUMN noticed_at INTEGER NULL;
ALTER TABLE matters ADD COLUMN escalated_at INTEGER NULL;
ALTER TABLE matters ADD COLUMN escalated_to TEXT NULL;
-- The supervision job's candidates are read by ix_matters_due (0001): open matters by deadline.

-- When the unit must sign for its share (签收时限): the response rate counts signings in time.
ALTER TABLE assignments ADD COLUMN sign_due_at INTEGER NULL;

-- A rectification plan's milestones (整改节点); weighted, they make the matter's progress.
CREATE TABLE plan_milestones (
    id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    matter_id INTEGER NOT NULL REFERENCES matters(id),
    seq INTEGER NOT NULL,
    title TEXT NOT NULL,
    due_at INTEGER NOT NULL,
    weight INTEGER NOT NULL,
    done_at INTEGER NULL,
    note TEXT NULL
);
CREATE UNIQUE INDEX ix_plan_milestones_matter ON plan_milestones(matter_id, seq);

-- Notifications (in-app, and e-mail through SMTP from an outbox): addressed to a unit and the
-- roles in it that should see them; an e-mail is claimed by one node at a time and sent once.
CREATE TABLE notifications (
    id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    matter_id INTEGER NULL REFERENCES matters(id),
    event_seq INTEGER NULL,
    unit_code TEXT NOT NULL REFERENCES units(code),
    roles TEXT NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    email_to TEXT NULL,
    email_state TEXT NOT NULL,
    email_attempts INTEGER NOT NULL DEFAULT 0,
    email_claimed_at INTEGER NULL,
    email_claimed_by TEXT NULL,
    email_sent_at INTEGER NULL,
    email_error TEXT NULL
);
CREATE INDEX ix_notifications_unit ON notifications(unit_code, created_at DESC);
CREATE INDEX ix_notifications_matter ON notifications(matter_id);
CREATE INDEX ix_notifications_email ON notifications(created_at) WHERE email_state = 'pending';

CREATE TABLE notification_reads (
    notification_id INTEGER NOT NULL REFERENCES notifications(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    read_at INTEGER NOT NULL,
    PRIMARY KEY (notification_id, user_id)
);

-- Days an administrator added to the shipped calendar (Features/Calendar): a local day off, or a
-- newly announced year's holidays and adjusted working days. The newest entry for a date wins.
CREATE TABLE calendar_days (
    id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    day TEXT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    note TEXT NULL,
    active INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX ix_calendar_days_day ON calendar_days(day);
