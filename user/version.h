/* SPDX-License-Identifier: GPL-2.0-only */
/* version.h - the version string; the Makefile may override it from git. */
#ifndef COREWATCH_VERSION
#define COREWATCH_VERSION "0.1.0"
#endif
