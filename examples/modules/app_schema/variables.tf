variable "database_url" {
  description = "The database whose schema this module manages (SQLAlchemy URL forms work)."
  type        = string
  sensitive   = true
}

variable "dialect" {
  description = "The database's SQL dialect, which the models are exported for."
  type        = string

  validation {
    condition     = contains(["sqlite", "postgresql"], var.dialect)
    error_message = "dialect must be \"sqlite\" or \"postgresql\"."
  }
}

variable "python" {
  description = "A Python interpreter with SQLAlchemy installed."
  type        = string
  default     = "python3"
}

variable "extra_sql" {
  description = "More desired SQL, appended after the models' DDL (views, triggers, policies)."
  type        = list(string)
  default     = []
}

variable "allow" {
  description = "Hazard codes or categories this environment may run (see the policy block)."
  type        = list(string)
  default     = []
}
