/* SPDX-License-Identifier: GPL-2.0-only */
/* schema.h - the record's JSON Schema (docs/corewatch.schema.json), built into the binary so that alert
 * rules are checked against the one description of the record that the tests also validate with.
 */
#ifndef COREWATCH_SCHEMA_H
#define COREWATCH_SCHEMA_H

#include <cJSON.h>

/* Fields of an array item that identify the instance (alert labels, Prometheus labels). NULL-ended. */
extern const char *const schema_label_keys[];

/* The text of item's field key when it is a label: the string itself, or a number printed exactly
 * into num. NULL when item has no such string or number. */
const char *schema_label(const cJSON *item, const char *key, char num[32]);

/* The schema of a metrics record, parsed on first use and kept for the life of the process (never
 * freed by the caller). NULL only when out of memory. */
const cJSON *schema_metrics(void);

/* Follows "$ref" links (local "#/$defs/NAME" only). Returns node itself when it has none. */
const cJSON *schema_resolve(const cJSON *node);

/* The node's "type" when it is one of object/array/number/integer/string/boolean; a nullable number
 * ("oneOf": [number, null]) counts as "number". NULL for anything else. */
const char *schema_type(const cJSON *node);

#endif
