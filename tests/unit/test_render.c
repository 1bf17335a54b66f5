/* render_network: the -v line that says what went over the wire. */
#include <criterion/criterion.h>

#include "output/render.h"

static void check(const http_stats_t *st, const char *want)
{
    buf_t b = BUF_INIT;
    render_network(&b, st);
    cr_assert_str_eq(buf_cstr(&b), want);
    buf_free(&b);
}

Test(render, network_nothing_when_no_request)
{
    http_stats_t st = {0};
    check(&st, "");
}

Test(render, network_one_protocol)
{
    http_stats_t st = {.requests = 24, .http2 = 24, .connections = 1, .bytes = 3 * 1048576 / 2};
    check(&st, "network: 24 requests (HTTP/2) over 1 new connection, 1.5 MiB received\n");
}

Test(render, network_mixed_protocols_and_revalidations)
{
    http_stats_t st = {.requests = 5, .http1 = 2, .http2 = 3, .not_modified = 4, .connections = 2};
    check(&st, "network: 5 requests (2 HTTP/1.1, 3 HTTP/2) over 2 new connections, 4 answered "
               "304, 0.0 MiB received\n");
    http_stats_t one = {.requests = 1, .http1 = 1, .connections = 0, .bytes = 10};
    check(&one, "network: 1 request (HTTP/1.1) over 0 new connections, 0.0 MiB received\n");
}
