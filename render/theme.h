/* render/theme.h — every colour and the font of the chart, in one place.
 *
 * Both backends read colours only from a QlTheme (through the scene's laid
 * out frame), so a theme change is a change here and nowhere else. Colours
 * are straight (not premultiplied) RGBA in 0..1. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  float r, g, b, a;
} QlColor;

typedef enum
{
  QL_THEME_LIGHT,
  QL_THEME_DARK,
} QlThemeKind;

typedef struct
{
  QlThemeKind kind;
  QlColor background;    /* the whole chart */
  QlColor text;          /* axis labels, legend */
  QlColor text_dim;      /* legend captions */
  QlColor grid;          /* price and time grid lines */
  QlColor axis_line;     /* the border between plot and axes, pane separators */
  QlColor up;            /* rising candle, bar, volume */
  QlColor down;          /* falling candle, bar, volume */
  QlColor up_volume;     /* volume histogram, rising bar */
  QlColor down_volume;   /* volume histogram, falling bar */
  QlColor crosshair;     /* crosshair lines */
  QlColor crosshair_label_bg;
  QlColor crosshair_label_text;
  QlColor watermark;     /* the big symbol/timeframe text */
  QlColor line;          /* a line series with no colour of its own */
  QlColor area_fill;     /* fill under an area series */
  QlColor band_fill;     /* fill between band lines */
  QlColor drawing;       /* trend lines, rectangles, Fibonacci */
  QlColor label_on_color;/* text on an up/down coloured axis label */
  QlColor palette[8];    /* indicator lines, in the order they are added */
  const char *font_family;  /* "DejaVu Sans": present on Debian, set explicitly */
  double font_size;         /* axis and legend text, px */
  double watermark_size;    /* px */
} QlTheme;

/* The built-in themes; static storage, never freed. */
const QlTheme *ql_theme_get (QlThemeKind kind);

/* "light" or "dark" (case-insensitive); FALSE for anything else. */
gboolean       ql_theme_kind_parse (const char  *text,
                                    QlThemeKind *kind);

/* @c with its alpha multiplied by @alpha. */
static inline QlColor
ql_color_fade (QlColor c, float alpha)
{
  c.a *= alpha;
  return c;
}

G_END_DECLS
