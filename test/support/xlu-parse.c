/*
 * The reference reading of an xl.cfg: Xen's own libxlutil parses the file and
 * this prints, as one JSON object, what xl's getters return for each key named
 * on the command line. Used by test/unit/xlcfg.test.ts to hold our parser to it.
 *
 *   xlu-parse FILE KEY...
 *   {"ok":true,"keys":{"KEY":{"long":N|null,"string":S|null,"list":[...]|null},...}}
 *   {"ok":false,"rc":N}          when xlu_cfg_readdata refuses the file
 *
 * A list item is a string or a nested list. libxlutil's own messages go to stderr.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libxlutil.h>

static void json_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') printf("\\%c", c);
        else if (c < 0x20) printf("\\u%04x", c);
        else putchar(c);
    }
    putchar('"');
}

static void json_list(XLU_Config *cfg, const XLU_ConfigList *list)
{
    putchar('[');
    for (int i = 0;; i++) {
        XLU_ConfigValue *v = xlu_cfg_get_listitem2(list, i);
        if (!v) break;
        if (i) putchar(',');
        if (xlu_cfg_value_type(v) == XLU_STRING) {
            const char *s = NULL;
            xlu_cfg_value_get_string(cfg, v, (char **)&s, 1);
            json_string(s ? s : "");
        } else {
            XLU_ConfigList *inner = NULL;
            xlu_cfg_value_get_list(cfg, v, &inner, 1);
            json_list(cfg, inner);
        }
    }
    putchar(']');
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: xlu-parse FILE KEY...\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 2;
    }
    static char data[1 << 20];
    size_t n = fread(data, 1, sizeof data, f);
    fclose(f);

    XLU_Config *cfg = xlu_cfg_init(stderr, argv[1]);
    if (!cfg) return 2;
    int rc = xlu_cfg_readdata(cfg, data, (int)n);
    if (rc) {
        printf("{\"ok\":false,\"rc\":%d}\n", rc);
        xlu_cfg_destroy(cfg);
        return 0;
    }
    printf("{\"ok\":true,\"keys\":{");
    for (int k = 2; k < argc; k++) {
        const char *key = argv[k];
        long l;
        const char *s;
        XLU_ConfigList *list;
        int count;
        if (k > 2) putchar(',');
        json_string(key);
        printf(":{\"long\":");
        if (xlu_cfg_get_long(cfg, key, &l, 1) == 0) printf("%ld", l);
        else printf("null");
        printf(",\"string\":");
        if (xlu_cfg_get_string(cfg, key, &s, 1) == 0) json_string(s);
        else printf("null");
        printf(",\"list\":");
        if (xlu_cfg_get_list(cfg, key, &list, &count, 1) == 0) json_list(cfg, list);
        else printf("null");
        putchar('}');
    }
    printf("}}\n");
    xlu_cfg_destroy(cfg);
    return 0;
}
