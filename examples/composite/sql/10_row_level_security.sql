-- Each session sees only its tenant's documents: the application sets
-- app.tenant_id (SET app.tenant_id = '42') after connecting.
ALTER TABLE documents ENABLE ROW LEVEL SECURITY;

CREATE POLICY documents_tenant_isolation ON documents
    USING (tenant_id = current_setting('app.tenant_id')::integer)
    WITH CHECK (tenant_id = current_setting('app.tenant_id')::integer);
