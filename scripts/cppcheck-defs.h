/* Macros cppcheck cannot see through <cjson/cJSON.h> (make check). */
#define cJSON_ArrayForEach(element, array)                                                         \
	for ((element) = (array) != 0 ? (array)->child : 0; (element) != 0;                       \
	     (element) = (element)->next)
