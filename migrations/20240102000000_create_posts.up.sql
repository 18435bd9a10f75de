CREATE TABLE posts (
    id           BIGINT       NOT NULL PRIMARY KEY,
    author_id    BIGINT       NOT NULL REFERENCES users (id),
    title        VARCHAR(200) NOT NULL,
    body         TEXT         NOT NULL,
    published_at TIMESTAMP    NULL
);

CREATE INDEX posts_author_id ON posts (author_id);
