/*
 * Second factors.  For now: liboath's process-wide initialisation, done once
 * in main() before threads start.
 */
#ifndef MFA_MFA_H
#define MFA_MFA_H

#include "idp/err.h"

enum idp_err mfa_global_init(void);
void mfa_global_done(void);

#endif
