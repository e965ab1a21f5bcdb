-- Duban schema 0041 (issue 18): a notification in each language of the console. Its title and body were one text,
-- the Chinese with the English appended ("… / urged by …"), so a Chinese page showed English and an English page
-- showed Chinese. The Chinese stays in title and body (the e-mail and the API's own fields); the English is kept
-- beside it, and each page shows its own language (the older rows, without one, show the Chinese).
ALTER TABLE notifications ADD COLUMN title_en TEXT NULL;
ALTER TABLE notifications ADD COLUMN body_en TEXT NULL;
