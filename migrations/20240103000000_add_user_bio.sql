-- Irreversible on purpose: there is no down script, so `undo` refuses to pass this version.
ALTER TABLE users ADD COLUMN bio TEXT;
