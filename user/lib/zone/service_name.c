// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * A service's private names, one per zone template, for the tools that
 * show or use them (`enforcer services`, `enforcer env`): the template
 * language's own expansion (template.c), as the zone compiler uses it.
 */
#include <string.h>

#include "template.h"
#include "zone.h"

int zone_service_name(const struct manifest *m, size_t zi, const struct mf_app *a,
		      const struct mf_service *s, const char *index_text, char *out, size_t outsz)
{
	struct tmpl_fill f = {
		.svc = s->name,
		.app = a->name,
		.net = m->networks[a->network].name,
		.rack = m->rack[0] ? m->rack : NULL,
		.index_text = index_text,
	};
	struct tmpl_check_result r;
	const char *t;

	if (zi >= m->nzones || !outsz)
		return -1;
	t = m->zones[zi].tmpl;
	tmpl_check(t, &r);
	if (r.fault != TMPL_OK || !tmpl_names_service(r.used, s->name))
		return -1;
	if (!index_text && (r.used & TMPL_INDEX))
		return -1;
	return tmpl_expand(t, strlen(t), &f, out, outsz);
}
