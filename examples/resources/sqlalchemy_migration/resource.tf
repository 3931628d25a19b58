resource "sqlalchemy_migration" "app" {
  url = "sqlite:///${abspath(path.module)}/app.db"
  dir = "migrations"

  policy {
    allow = ["drops_column"]
  }
}
