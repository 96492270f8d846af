/*
 * Audit retention: each active tenant's events older than its
 * audit.retention_days are deleted (idp_audit_prune records where the chain
 * now starts).  The daemon runs this at start and hourly; `sekisho audit
 * prune` runs it at once.
 */
#include <stdlib.h>

#include "idp/internal.h"
#include "idp/log.h"

enum idp_err idp_retention_run(long *deleted)
{
	struct idp_tenant *all = NULL, *t = NULL;
	enum idp_err err, first = IDP_OK;
	long total = 0;
	int n = 0;

	if (deleted)
		*deleted = 0;
	err = idp_tenants_list(&all, &n);
	if (err)
		return err;
	t = malloc(sizeof *t);
	if (!t) {
		free(all);
		return IDP_ERR_NOMEM;
	}
	for (int i = 0; i < n; i++) {
		long removed = 0;

		/* Load each with its policy; terminated meanwhile is not an error. */
		err = idp_tenant_load(all[i].slug, t);
		if (!err)
			err = idp_audit_prune(t->id, t->policy.audit.retention_days, &removed);
		if (!err && removed)
			idp_info("retention: removed %ld audit events of %s older than %d days",
			         removed, t->slug, t->policy.audit.retention_days);
		if (err == IDP_ERR_NOT_FOUND)
			err = IDP_OK;
		if (err && !first)
			first = err;
		total += removed;
	}
	free(t);
	free(all);
	if (deleted)
		*deleted = total;
	return first;
}
