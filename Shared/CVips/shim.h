#ifndef SWITCHBOARD_CVIPS_SHIM_H
#define SWITCHBOARD_CVIPS_SHIM_H

// libvips 8.14 (Debian's libvips-dev, pkg-config `vips`). Its API is variadic
// (NULL-terminated option lists), which Swift cannot call: these `static inline`
// wrappers fix the options the media service uses. Only the media service's
// `ImageProcessor` calls them, on its own thread, never on Swift's cooperative pool.
#include <vips/vips.h>
#include <stddef.h>
#include <string.h>

/// libvips' own warnings ("error in tile ...") would go to stderr as free text; the
/// service reports failures itself, through its JSON logs.
static inline void sb_vips_quiet(const gchar *domain, GLogLevelFlags level, const gchar *message, gpointer data) {
  (void)domain; (void)level; (void)message; (void)data;
}

/// Starts libvips once per process, then locks it down: untrusted loaders (ImageMagick,
/// matrix, FITS, ...) are blocked, the operation cache is off (nothing of an image
/// outlives its request), and one worker thread per pipeline. Returns 0 on success.
static inline int sb_vips_start(void) {
  if (VIPS_INIT("switchboard-media") != 0) return -1;
  g_log_set_handler("VIPS", (GLogLevelFlags)(G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO), sb_vips_quiet, NULL);
  vips_block_untrusted_set(1);
  vips_cache_set_max(0);
  vips_cache_set_max_mem(0);
  vips_cache_set_max_files(0);
  vips_concurrency_set(1);
  return 0;
}

/// The last libvips error (thread-local) copied into `out` (NUL-terminated), then cleared.
static inline void sb_vips_take_error(char *out, size_t size) {
  if (size == 0) return;
  const char *message = vips_error_buffer();
  strncpy(out, message ? message : "", size - 1);
  out[size - 1] = '\0';
  vips_error_clear();
}

/// Reads only the header of an encoded image: width, height of one page, and number of
/// pages. Opening with sequential access decodes no pixels, so a decompression bomb costs
/// a few bytes of header here. `loader` receives the loader's nickname (e.g. "pngload_buffer").
/// Returns 0 on success, -1 when no (trusted) loader accepts the bytes.
static inline int sb_vips_header(const void *buffer, size_t length, int *width, int *height, int *pages,
                                 char *loader, size_t loader_size) {
  const char *name = vips_foreign_find_load_buffer(buffer, length);
  if (name == NULL) return -1;
  if (loader && loader_size > 0) {
    strncpy(loader, name, loader_size - 1);
    loader[loader_size - 1] = '\0';
  }
  VipsImage *image = vips_image_new_from_buffer(buffer, length, "", "access", VIPS_ACCESS_SEQUENTIAL,
                                                "fail_on", VIPS_FAIL_ON_ERROR, NULL);
  if (image == NULL) return -1;
  *width = vips_image_get_width(image);
  *height = vips_image_get_height(image);
  *pages = vips_image_get_n_pages(image);
  g_object_unref(image);
  return 0;
}

/// A thumbnail that fits `size`×`size` (aspect ratio kept, never enlarged), first page
/// only, encoded as JPEG (`webp` = 0) or WebP (`webp` = 1), metadata stripped. 8.14's
/// `vips_thumbnail_buffer` ignores its own `fail_on`, so the loader gets it through
/// `option_string`. On success `*out` is a g_malloc'd buffer of `*out_length` bytes the
/// caller frees with `sb_vips_free`, and the thumbnail's size is in `*width`/`*height`.
static inline int sb_vips_thumbnail(const void *buffer, size_t length, int size, int webp, int quality,
                                    void **out, size_t *out_length, int *width, int *height) {
  VipsImage *thumbnail = NULL;
  if (vips_thumbnail_buffer((void *)buffer, length, &thumbnail, size, "height", size, "size", VIPS_SIZE_DOWN,
                            "option_string", "[fail_on=error]", NULL) != 0) {
    return -1;
  }
  // Flatten an alpha channel onto white for JPEG, which has none.
  VipsImage *flat = NULL;
  if (!webp && vips_image_hasalpha(thumbnail)) {
    double white[3] = {255, 255, 255};
    VipsArrayDouble *background = vips_array_double_new(white, 3);
    int failed = vips_flatten(thumbnail, &flat, "background", background, NULL);
    vips_area_unref(VIPS_AREA(background));
    g_object_unref(thumbnail);
    if (failed != 0) return -1;
    thumbnail = flat;
  }
  *width = vips_image_get_width(thumbnail);
  *height = vips_image_get_height(thumbnail);
  int result = webp
      ? vips_webpsave_buffer(thumbnail, out, out_length, "Q", quality, "strip", TRUE, NULL)
      : vips_jpegsave_buffer(thumbnail, out, out_length, "Q", quality, "strip", TRUE, "interlace", FALSE, NULL);
  g_object_unref(thumbnail);
  return result;
}

static inline void sb_vips_free(void *pointer) {
  g_free(pointer);
}

#endif
