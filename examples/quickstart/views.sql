-- Extra SQL that lives next to the models: composed with their DDL into one
-- desired schema, planned and applied like the tables.
CREATE VIEW published_posts AS
  SELECT p.id, p.title, u.name AS author
  FROM posts AS p JOIN users AS u ON u.id = p.author_id
  WHERE p.published_at IS NOT NULL;
