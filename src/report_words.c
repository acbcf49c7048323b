// SPDX-License-Identifier: GPL-2.0
/* The words a report shows a finding's facts with. */
#include "report_words.h"

const char *incomplete_part_name(enum rec_incomplete_part part)
{
	switch (part) {
	case RPI_PART_GOROUTINES:
		return "goroutines";
	case RPI_PART_THREADS:
		return "threads";
	}
	return "?";
}

const char *incomplete_reason_name(enum rec_incomplete_reason reason)
{
	switch (reason) {
	case RPI_MALFORMED:
		return "malformed";
	case RPI_MEMORY_BUDGET:
		return "memory budget";
	case RPI_TIME_BUDGET:
		return "time budget";
	case RPI_STALLED:
		return "stalled";
	case RPI_FILE_REFUSED:
		return "file refused";
	case RPI_READ_FAILED:
		return "read failed";
	}
	return "?";
}
