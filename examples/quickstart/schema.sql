-- The desired schema. Edit it and run `terraform plan` to see the SQL that
-- would bring app.db to it.

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email VARCHAR(255) NOT NULL,
    display_name VARCHAR(100) NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT uq_users_email UNIQUE (email)
);

CREATE TABLE posts (
    id INTEGER PRIMARY KEY,
    author_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title VARCHAR(200) NOT NULL,
    body TEXT NOT NULL DEFAULT '',
    status VARCHAR(16) NOT NULL DEFAULT 'draft',
    CONSTRAINT ck_posts_status CHECK (status IN ('draft', 'published'))
);

CREATE INDEX ix_posts_author_id ON posts (author_id);
CREATE INDEX ix_posts_published ON posts (title) WHERE status = 'published';
