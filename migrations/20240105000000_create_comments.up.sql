CREATE TABLE comments (
    id         BIGINT    NOT NULL PRIMARY KEY,
    post_id    BIGINT    NOT NULL REFERENCES posts (id),
    author_id  BIGINT    NOT NULL REFERENCES users (id),
    body       TEXT      NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX comments_post_id ON comments (post_id);
