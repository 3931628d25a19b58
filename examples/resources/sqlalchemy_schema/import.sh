# The import ID is the database URL. Leave the password out when the
# provider's url names the same database: import IDs are printed.
terraform import sqlalchemy_schema.app 'sqlite:////var/lib/app/app.db'
