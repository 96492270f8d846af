/*
 * What idp/backup.c (taking backups, checking their files) shares with
 * idp/restore.c (verify and restore): not for other callers.
 */
#ifndef IDP_BACKUP_INT_H
#define IDP_BACKUP_INT_H

#include <json-c/json.h>
#include <stddef.h>

#include "idp/backup.h"

/* Record action in the operator log with detail d (taken; NULL is out of
 * memory: nothing recorded).  why non-NULL marks a failure and becomes the
 * reason. */
void idp_backup_record(const char *action, const char *target, const char *why, json_object *d);

/* The manifest's members that say which backup an event is about (a new
 * object; NULL when out of memory). */
json_object *idp_backup_detail(const struct idp_backup_manifest *m);

/* idp_backup_check, leaving the dump open: *fdout (read from its start by
 * whoever restores it: the very file that was checked). */
enum idp_err idp_backup_check_open(const char *path, struct idp_backup_manifest *m, char *dump,
                                   size_t dumpsz, int *fdout, char *why, size_t whysz);

#endif
