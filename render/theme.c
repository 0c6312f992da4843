/* render/theme.c — the light and dark palettes. */
#define G_LOG_DOMAIN "ql-render-theme"

#include "render/theme.h"

#include <string.h>

#define RGB(hex) { ((hex) >> 16 & 0xff) / 255.0f, ((hex) >> 8 & 0xff) / 255.0f, ((hex) & 0xff) / 255.0f, 1.0f }
#define RGBA(hex, a) { ((hex) >> 16 & 0xff) / 255.0f, ((hex) >> 8 & 0xff) / 255.0f, ((hex) & 0xff) / 255.0f, (a) }

static const QlTheme light = {
  .kind = QL_THEME_LIGHT,
  .background = RGB (0xffffff),
  .text = RGB (0x131722),
  .text_dim = RGB (0x787b86),
  .grid = RGB (0xf0f3fa),
  .axis_line = RGB (0xd1d4dc),
  .up = RGB (0x089981),
  .down = RGB (0xf23645),
  .up_volume = RGBA (0x089981, 0.5f),
  .down_volume = RGBA (0xf23645, 0.5f),
  .crosshair = RGB (0x9598a1),
  .crosshair_label_bg = RGB (0x131722),
  .crosshair_label_text = RGB (0xffffff),
  .watermark = RGBA (0x131722, 0.08f),
  .line = RGB (0x2962ff),
  .area_fill = RGBA (0x2962ff, 0.2f),
  .band_fill = RGBA (0x2196f3, 0.1f),
  .drawing = RGB (0x2962ff),
  .label_on_color = RGB (0xffffff),
  .palette = {
    RGB (0x2962ff), RGB (0xff6d00), RGB (0x9c27b0), RGB (0x00897b),
    RGB (0xe91e63), RGB (0x795548), RGB (0x607d8b), RGB (0xfbc02d),
  },
  .font_family = "DejaVu Sans",
  .font_size = 11.0,
  .watermark_size = 48.0,
};

static const QlTheme dark = {
  .kind = QL_THEME_DARK,
  .background = RGB (0x131722),
  .text = RGB (0xd1d4dc),
  .text_dim = RGB (0x787b86),
  .grid = RGB (0x1e222d),
  .axis_line = RGB (0x363a45),
  .up = RGB (0x26a69a),
  .down = RGB (0xef5350),
  .up_volume = RGBA (0x26a69a, 0.5f),
  .down_volume = RGBA (0xef5350, 0.5f),
  .crosshair = RGB (0x9598a1),
  .crosshair_label_bg = RGB (0x363a45),
  .crosshair_label_text = RGB (0xffffff),
  .watermark = RGBA (0xd1d4dc, 0.08f),
  .line = RGB (0x2962ff),
  .area_fill = RGBA (0x2962ff, 0.25f),
  .band_fill = RGBA (0x2196f3, 0.12f),
  .drawing = RGB (0x5b9cf6),
  .label_on_color = RGB (0xffffff),
  .palette = {
    RGB (0x2962ff), RGB (0xff9800), RGB (0xba68c8), RGB (0x4db6ac),
    RGB (0xf06292), RGB (0xa1887f), RGB (0x90a4ae), RGB (0xfff176),
  },
  .font_family = "DejaVu Sans",
  .font_size = 11.0,
  .watermark_size = 48.0,
};

const QlTheme *
ql_theme_get (QlThemeKind kind)
{
  return kind == QL_THEME_DARK ? &dark : &light;
}

gboolean
ql_theme_kind_parse (const char  *text,
                     QlThemeKind *kind)
{
  g_return_val_if_fail (kind != NULL, FALSE);
  if (text != NULL && g_ascii_strcasecmp (text, "light") == 0)
    *kind = QL_THEME_LIGHT;
  else if (text != NULL && g_ascii_strcasecmp (text, "dark") == 0)
    *kind = QL_THEME_DARK;
  else
    return FALSE;
  return TRUE;
}
