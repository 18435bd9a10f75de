DROP INDEX posts_author_id;
DROP TABLE posts;
