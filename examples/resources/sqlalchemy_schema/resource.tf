resource "sqlalchemy_schema" "app" {
  url         = "sqlite:///${abspath(path.module)}/app.db"
  desired_sql = <<-SQL
    CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        email VARCHAR(255) NOT NULL,
        CONSTRAINT uq_users_email UNIQUE (email)
    );
    CREATE TABLE posts (
        id INTEGER PRIMARY KEY,
        author_id INTEGER NOT NULL REFERENCES users (id),
        title VARCHAR(200) NOT NULL,
        score INTEGER NOT NULL DEFAULT 0 CHECK (score >= 0)
    );
    CREATE INDEX ix_posts_author_id ON posts (author_id);
  SQL

  # Data loss is denied by default; also refuse plans that would lock a
  # table against writes (rebuilds, rewrites, index builds).
  policy {
    deny = ["blocking_lock"]
  }
}
