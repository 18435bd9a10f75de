-- migrate:no-transaction
-- Index builds on large tables should not hold one long transaction (on PostgreSQL this is
-- where CREATE INDEX CONCURRENTLY goes). Each statement is recorded as it completes, so a
-- failure resumes at the statement that failed.
CREATE INDEX posts_published_at ON posts (published_at);
CREATE INDEX users_created_at ON users (created_at);
