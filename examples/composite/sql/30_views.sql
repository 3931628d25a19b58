-- Document counts per tenant, for reporting. security_invoker: the view
-- applies the row-level security of whoever queries it.
CREATE VIEW tenant_document_counts WITH (security_invoker = true) AS
SELECT t.id AS tenant_id, t.name, count(d.id) AS documents
FROM tenants t
LEFT JOIN documents d ON d.tenant_id = t.id
GROUP BY t.id, t.name;
