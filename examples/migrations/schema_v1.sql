-- The models' schema when the project started (what `sqlalchemy_models`
-- exports; DDL here so the example needs no Python).
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email VARCHAR(255) NOT NULL,
    CONSTRAINT uq_users_email UNIQUE (email)
);
