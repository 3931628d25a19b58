-- The models' schema now: posts were added after the first release.
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email VARCHAR(255) NOT NULL,
    name VARCHAR(100),
    CONSTRAINT uq_users_email UNIQUE (email)
);
CREATE TABLE posts (
    id INTEGER PRIMARY KEY,
    author_id INTEGER NOT NULL REFERENCES users (id),
    title VARCHAR(200) NOT NULL
);
CREATE INDEX ix_posts_author_id ON posts (author_id);
