/*
 * http_parse_core.c — the shim's pure HTTP request-head parser
 * (interceptor/http_parse.c) compiled into the core library as well, so
 * the fuzz target and unit tests exercise exactly the code the shim runs.
 */
#include "../interceptor/http_parse.c"
