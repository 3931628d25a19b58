output "tables" {
  description = "The tables the models define."
  value       = data.sqlalchemy_models.shop.tables
}

output "schema_hash" {
  description = "SHA-256 of the managed schema after apply."
  value       = sqlalchemy_schema.this.schema_hash
}
