//! Aggregates (`CREATE AGGREGATE`) are read with the other routines; this
//! is the SQL that writes one's canonical `CREATE OR REPLACE AGGREGATE`
//! from `pg_aggregate` (PostgreSQL has no `pg_get_functiondef` for them).
//! Options are written only when they differ from what PostgreSQL picks by
//! itself, so a desired aggregate that leaves them out reads the same.

/// SQL expression over `pg_proc p`, `pg_namespace n` and `pg_aggregate a`
/// (joined on `a.aggfnoid = p.oid`): the aggregate's definition.
pub const DEFINITION: &str = "\
'CREATE OR REPLACE AGGREGATE ' || quote_ident(n.nspname) || '.' || quote_ident(p.proname) \
|| '(' || CASE WHEN p.pronargs = 0 THEN '*' ELSE pg_catalog.pg_get_function_arguments(p.oid) END || ') (' \
|| concat_ws(', ', \
     'SFUNC = ' || a.aggtransfn::text, \
     'STYPE = ' || pg_catalog.format_type(a.aggtranstype, NULL), \
     CASE WHEN a.aggtransspace <> 0 THEN 'SSPACE = ' || a.aggtransspace END, \
     CASE WHEN a.aggfinalfn <> 0 THEN 'FINALFUNC = ' || a.aggfinalfn::text END, \
     CASE WHEN a.aggfinalextra THEN 'FINALFUNC_EXTRA' END, \
     CASE WHEN a.aggfinalfn <> 0 AND a.aggfinalmodify <> CASE a.aggkind WHEN 'n' THEN 'r' ELSE 'w' END \
          THEN 'FINALFUNC_MODIFY = ' || CASE a.aggfinalmodify WHEN 'r' THEN 'READ_ONLY' \
                                          WHEN 's' THEN 'SHAREABLE' ELSE 'READ_WRITE' END END, \
     CASE WHEN a.aggcombinefn <> 0 THEN 'COMBINEFUNC = ' || a.aggcombinefn::text END, \
     CASE WHEN a.aggserialfn <> 0 THEN 'SERIALFUNC = ' || a.aggserialfn::text END, \
     CASE WHEN a.aggdeserialfn <> 0 THEN 'DESERIALFUNC = ' || a.aggdeserialfn::text END, \
     CASE WHEN a.agginitval IS NOT NULL THEN 'INITCOND = ' || quote_literal(a.agginitval) END, \
     CASE WHEN a.aggmtransfn <> 0 THEN 'MSFUNC = ' || a.aggmtransfn::text \
          || ', MINVFUNC = ' || a.aggminvtransfn::text \
          || ', MSTYPE = ' || pg_catalog.format_type(a.aggmtranstype, NULL) END, \
     CASE WHEN a.aggmtransspace <> 0 THEN 'MSSPACE = ' || a.aggmtransspace END, \
     CASE WHEN a.aggmfinalfn <> 0 THEN 'MFINALFUNC = ' || a.aggmfinalfn::text END, \
     CASE WHEN a.aggmfinalextra THEN 'MFINALFUNC_EXTRA' END, \
     CASE WHEN a.aggmfinalfn <> 0 AND a.aggmfinalmodify <> CASE a.aggkind WHEN 'n' THEN 'r' ELSE 'w' END \
          THEN 'MFINALFUNC_MODIFY = ' || CASE a.aggmfinalmodify WHEN 'r' THEN 'READ_ONLY' \
                                           WHEN 's' THEN 'SHAREABLE' ELSE 'READ_WRITE' END END, \
     CASE WHEN a.aggminitval IS NOT NULL THEN 'MINITCOND = ' || quote_literal(a.aggminitval) END, \
     CASE WHEN a.aggsortop <> 0 THEN 'SORTOP = OPERATOR(' || a.aggsortop::regoper::text || ')' END, \
     CASE p.proparallel WHEN 's' THEN 'PARALLEL = SAFE' WHEN 'r' THEN 'PARALLEL = RESTRICTED' END, \
     CASE WHEN a.aggkind = 'h' THEN 'HYPOTHETICAL' END) \
|| ')'";
