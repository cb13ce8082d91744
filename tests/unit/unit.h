/*
 * unit.h — the common main() of every CUnit test program.
 *
 * A test file defines its CU_SuiteInfo table and ends with
 * IL_UNIT_MAIN(suites). The program runs every suite with the basic
 * interface (CUnit's own summary is printed), then one line
 * "unit NAME: N passed, N failed" that tests/run-checks.sh adds up, and
 * exits non-zero when any test failed.
 */
#ifndef INTERLOCK_UNIT_H
#define INTERLOCK_UNIT_H

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>

#define IL_UNIT_MAIN(suites)                                                   \
	int main(int argc, char **argv)                                        \
	{                                                                      \
		(void)argc;                                                    \
		if (CU_initialize_registry() != CUE_SUCCESS)                   \
			return 2;                                              \
		if (CU_register_suites(suites) != CUE_SUCCESS) {               \
			fprintf(stderr, "%s\n", CU_get_error_msg());           \
			return 2;                                              \
		}                                                              \
		CU_basic_set_mode(CU_BRM_NORMAL);                              \
		CU_basic_run_tests();                                          \
		unsigned run = CU_get_number_of_tests_run();                   \
		unsigned failed = CU_get_number_of_tests_failed();             \
		printf("\nunit %s: %u passed, %u failed\n", argv[0],           \
		       run - failed, failed);                                  \
		CU_cleanup_registry();                                         \
		return failed ? 1 : 0;                                         \
	}

#endif
