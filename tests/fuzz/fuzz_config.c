// SPDX-License-Identifier: GPL-2.0-only
/* fuzz_config.c - the config file loader (inih, then every option's parser and bounds, alert rules
 * included) on arbitrary files: it either loads or gives one reason, and --check-config's JSON of
 * what it loaded always renders. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "options.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* --check-config's JSON goes to stdout: away from libFuzzer's own output. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return freopen("/dev/null", "w", stdout) ? 0 : 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("corewatch-fuzz.conf", MFD_CLOEXEC);
	char path[64], err[1024];
	char *argv[] = { "corewatch", "-c", path, NULL };
	struct options o;

	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		err[0] = '\0';
		if (options_load(&o, 3, argv, err, sizeof(err)) == 0) {
			options_print_json(&o);
			options_free(&o);
		} else if (!err[0]) {
			abort(); /* a refusal always says why */
		}
	}
	close(fd);
	return 0;
}
