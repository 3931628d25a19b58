data "sqlalchemy_migrations" "app" {
  dir = "migrations"
  url = "sqlite:///${abspath(path.module)}/app.db"
}

output "migrations_pending" {
  value = [for file in data.sqlalchemy_migrations.app.pending : "${file.version}_${file.name}"]
}
