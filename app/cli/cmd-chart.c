/* app/cli/cmd-chart.c — `quantlab-cli chart`: a chart of bars and
 * indicators rendered headless to PNG (render/scene.h, render/export.h). */
#define G_LOG_DOMAIN "ql-app-cli"

#include "app/cli/cli.h"
#include "data/csv.h"
#include "data/history.h"
#include "engine/indicator.h"
#include "render/export.h"
#include "render/scene.h"

#include <string.h>

static gboolean
parse_style (const char *text, QlSeriesKind *kind)
{
  static const struct
  {
    const char *name;
    QlSeriesKind kind;
  } styles[] = {
    { "candles", QL_SERIES_CANDLES }, { "hollow", QL_SERIES_HOLLOW_CANDLES },
    { "ohlc", QL_SERIES_OHLC },       { "line", QL_SERIES_LINE },
    { "step", QL_SERIES_STEP },       { "area", QL_SERIES_AREA },
    { "baseline", QL_SERIES_BASELINE },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (styles); i++)
    if (g_ascii_strcasecmp (text, styles[i].name) == 0)
      {
        *kind = styles[i].kind;
        return TRUE;
      }
  return FALSE;
}

static gboolean
parse_scale (const char *text, QlScaleMode *mode)
{
  if (g_ascii_strcasecmp (text, "linear") == 0)
    *mode = QL_SCALE_LINEAR;
  else if (g_ascii_strcasecmp (text, "log") == 0)
    *mode = QL_SCALE_LOG;
  else if (g_ascii_strcasecmp (text, "percent") == 0)
    *mode = QL_SCALE_PERCENT;
  else
    return FALSE;
  return TRUE;
}

/* --from and --to: ISO 8601 dates and times, "2006-01-03", "2006-01-03T10:00",
 * "2006-01-03 10:00:30.5", with or without a zone ("Z", "+01:00"). A time
 * written without a zone is in @zone (UTC when NULL), so with --tz the
 * times read as the file's do. */
static gboolean
parse_time (const char *text, GTimeZone *zone, QlTimeNs *out, GError **error)
{
  g_autoptr (GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr (GDateTime) dt = NULL;
  g_autoptr (GString) full = g_string_new (text);
  gsize len = strlen (text);

  if (len == 10 && text[4] == '-' && text[7] == '-')
    g_string_append (full, "T00:00:00");
  else if (len >= 16 && text[4] == '-' && text[7] == '-' && (text[10] == 'T' || text[10] == ' ') &&
           text[13] == ':')
    {
      full->str[10] = 'T';
      /* GLib wants seconds: "10:00" -> "10:00:00", before any zone. */
      if (text[16] != ':')
        g_string_insert (full, 16, ":00");
    }
  dt = g_date_time_new_from_iso8601 (full->str, zone != NULL ? zone : utc);
  if (dt == NULL)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "time \"%s\" is not ISO 8601; write 2024-03-04, 2024-03-04T09:30 or "
                   "2024-03-04T09:30:00 (in --tz, else UTC, unless a zone such as Z or +01:00 "
                   "follows)", text);
      return FALSE;
    }
  *out = g_date_time_to_unix (dt) * QL_NS_PER_SEC +
         (QlTimeNs) g_date_time_get_microsecond (dt) * QL_NS_PER_US;
  return TRUE;
}

/* "rsi(14)@new" -> "rsi(14)" and QL_PANE_NEW: the pane an --ind spec asks
 * for after '@' ("price", "new", or an existing pane's index; none: auto).
 * Returns the spec without the suffix, or NULL with @error set. */
static char *
split_pane (const char *text, int *pane, GError **error)
{
  const char *at = strrchr (text, '@');
  *pane = QL_PANE_AUTO;
  if (at == NULL)
    return g_strdup (text);
  const char *where = at + 1;
  guint64 n;
  if (g_ascii_strcasecmp (where, "price") == 0)
    *pane = 0;
  else if (g_ascii_strcasecmp (where, "new") == 0)
    *pane = QL_PANE_NEW;
  else if (g_ascii_strcasecmp (where, "auto") == 0)
    *pane = QL_PANE_AUTO;
  else if (g_ascii_string_to_unsigned (where, 10, 0, 64, &n, NULL))
    *pane = (int) n;
  else
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--ind \"%s\": after @ write price, new or a pane's index (0 is the price pane)",
                   text);
      return NULL;
    }
  return g_strndup (text, (gsize) (at - text));
}

/* "data/btcusdt-1m.csv" -> an instrument named BTCUSDT1M, or FILE when the
 * name does not make a symbol. */
static void
instrument_for_file (QlInstrument *inst, const char *path)
{
  g_autofree char *base = g_path_get_basename (path);
  char *dot = strchr (base, '.');
  if (dot != NULL)
    *dot = '\0';
  if (!ql_instrument_init (inst, base, NULL))
    g_assert_true (ql_instrument_init (inst, "FILE", NULL));
}

int
ql_cli_chart (int argc, char **argv)
{
  g_autofree char *data = NULL, *symbol = NULL, *timeframe = NULL, *db = NULL, *tz = NULL;
  g_autofree char *from_text = NULL, *to_text = NULL, *output = NULL;
  g_autofree char *backend_text = NULL, *theme_text = NULL, *style_text = NULL, *scale_text = NULL;
  g_auto (GStrv) specs = NULL;
  int width = 1280, height = 720;
  gboolean no_volume = FALSE;
  GOptionEntry entries[] = {
    { "data", 'd', 0, G_OPTION_ARG_FILENAME, &data, "CSV/TSV file of bars, read directly (no workspace)", "FILE" },
    { "symbol", 's', 0, G_OPTION_ARG_STRING, &symbol, "Stored instrument", "SYM" },
    { "timeframe", 't', 0, G_OPTION_ARG_STRING, &timeframe, "Bars to chart (default: the one stored bar series); with --data, the watermark's timeframe", "TF" },
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db, "Workspace file (default: the user data folder's quantlab/workspace.db)", "PATH" },
    { "ind", 'i', 0, G_OPTION_ARG_STRING_ARRAY, &specs, "Indicator spec such as sma(20), bbands(20,2) or rsi(14), optionally with its pane: sma(50)@price, rsi(14)@new, macd@2 (an existing pane's index: 0 price, 1 volume, ...); repeat for more", "SPEC[@PANE]" },
    { "from", 0, 0, G_OPTION_ARG_STRING, &from_text, "First bar shown, ISO 8601 such as 2024-03-04 or 2024-03-04T09:30, in --tz when given (earlier bars still warm the indicators up)", "T" },
    { "to", 0, 0, G_OPTION_ARG_STRING, &to_text, "End of the data, exclusive, read as --from is; later bars are dropped", "T" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "PNG file to write", "FILE.png" },
    { "width", 'W', 0, G_OPTION_ARG_INT, &width, "Image width in pixels (default 1280)", "W" },
    { "height", 'H', 0, G_OPTION_ARG_INT, &height, "Image height in pixels (default 720)", "H" },
    { "backend", 0, 0, G_OPTION_ARG_STRING, &backend_text, "Renderer: cairo (default) or gl (EGL offscreen; falls back to cairo)", "gl|cairo" },
    { "theme", 0, 0, G_OPTION_ARG_STRING, &theme_text, "Colours: light (default) or dark", "light|dark" },
    { "style", 0, 0, G_OPTION_ARG_STRING, &style_text, "Price series: candles (default), hollow, ohlc, line, step, area, baseline", "STYLE" },
    { "scale", 0, 0, G_OPTION_ARG_STRING, &scale_text, "Price scale: linear (default), log, percent", "SCALE" },
    { "no-volume", 0, 0, G_OPTION_ARG_NONE, &no_volume, "Leave out the volume pane", NULL },
    { "tz", 0, 0, G_OPTION_ARG_STRING, &tz, "IANA zone of --from, --to and the time axis, and with --data of the file's times (default UTC)", "ZONE" },
    { NULL }
  };
  g_autoptr (QlSeries) bars = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GTimeZone) zone = NULL;
  QlInstrument inst;
  QlTimeframe tf;
  gboolean have_tf = FALSE;
  QlTimeNs from = G_MININT64, to = G_MAXINT64;
  QlThemeKind theme = QL_THEME_LIGHT;
  QlRenderBackend backend = QL_RENDER_BACKEND_CAIRO;
  QlSeriesKind style = QL_SERIES_CANDLES;
  QlScaleMode scale = QL_SCALE_LINEAR;
  int rc;

  rc = ql_cli_parse ("chart", NULL,
                     "Render a chart of bars with volume and indicators to a PNG file, headless:\n"
                     "moving averages and channels over price, oscillators in panes of their own.\n"
                     "Fonts: DejaVu Sans (fonts-dejavu-core).",
                     entries, &argc, &argv);
  if (rc != QL_EXIT_OK)
    return rc;
  if (argc > 1)
    return ql_cli_usage ("chart", "unexpected argument \"%s\"", argv[1]);
  if ((data == NULL) == (symbol == NULL))
    return ql_cli_usage ("chart", "give exactly one of --data FILE and --symbol SYM");
  if (output == NULL)
    return ql_cli_usage ("chart", "no --output FILE.png given");
  if (width < 64 || height < 64 || width > 16384 || height > 16384)
    return ql_cli_usage ("chart", "--width and --height must be between 64 and 16384, got %dx%d",
                         width, height);
  if (backend_text != NULL)
    {
      if (g_ascii_strcasecmp (backend_text, "gl") == 0)
        backend = QL_RENDER_BACKEND_GL;
      else if (g_ascii_strcasecmp (backend_text, "cairo") != 0)
        return ql_cli_usage ("chart", "--backend must be gl or cairo, got \"%s\"", backend_text);
    }
  if (theme_text != NULL && !ql_theme_kind_parse (theme_text, &theme))
    return ql_cli_usage ("chart", "--theme must be light or dark, got \"%s\"", theme_text);
  if (style_text != NULL && !parse_style (style_text, &style))
    return ql_cli_usage ("chart", "--style must be candles, hollow, ohlc, line, step, area or baseline, got \"%s\"",
                         style_text);
  if (scale_text != NULL && !parse_scale (scale_text, &scale))
    return ql_cli_usage ("chart", "--scale must be linear, log or percent, got \"%s\"", scale_text);
  if (tz != NULL)
    {
      zone = g_time_zone_new_identifier (tz);
      if (zone == NULL)
        return ql_cli_usage ("chart", "--tz \"%s\" is not a known IANA time zone", tz);
    }
  if ((from_text != NULL && !parse_time (from_text, zone, &from, &error)) ||
      (to_text != NULL && !parse_time (to_text, zone, &to, &error)))
    return ql_cli_usage ("chart", "%s", error->message);
  if (from >= to)
    return ql_cli_usage ("chart", "--from must be before --to");
  if (timeframe != NULL)
    {
      if (!ql_timeframe_parse (timeframe, &tf, &error))
        return ql_cli_usage ("chart", "%s", error->message);
      have_tf = TRUE;
    }
  /* Check every spec before reading any data. */
  for (int i = 0; specs != NULL && specs[i] != NULL; i++)
    {
      int pane;
      g_autofree char *spec = split_pane (specs[i], &pane, &error);
      if (spec == NULL)
        return ql_cli_usage ("chart", "%s", error->message);
      g_autoptr (QlIndicator) ind = ql_indicator_new (spec, &error);
      if (ind == NULL)
        return ql_cli_usage ("chart", "%s", error->message);
    }
  if (data != NULL && g_file_test (data, G_FILE_TEST_IS_DIR))
    {
      /* The CSV reader would report mmap ()'s failure, twice quoted. */
      g_set_error (&error, G_FILE_ERROR, G_FILE_ERROR_ISDIR, "%s: is a directory, not a file of bars",
                   data);
      return ql_cli_fail ("chart", error);
    }

  if (data != NULL)
    {
      QlCsvOptions opts;
      QlCsvLayout layout;
      instrument_for_file (&inst, data);
      if (tz != NULL && !ql_instrument_set_timezone (&inst, tz, &error))
        {
          ql_instrument_clear (&inst);
          return ql_cli_usage ("chart", "%s", error->message);
        }
      ql_csv_options_init (&opts);
      opts.tz = inst.tz;
      if (!ql_csv_read_bars (data, &opts, &bars, &layout, &error))
        {
          ql_instrument_clear (&inst);
          return ql_cli_fail ("chart", error);
        }
      /* The file's own decimals (EURUSD: 5) are the chart's price grid and
       * the legend's precision; its tick is one unit of the last decimal. */
      inst.price_scale = layout.price_scale;
      inst.tick_size = 1;
    }
  else
    {
      g_autoptr (QlStore) store = ql_store_open_existing (db, &error);
      if (store == NULL)
        return ql_cli_fail ("chart", error);
      bars = ql_series_new_bars ();
      /* All bars up to --to: the ones before --from warm the indicators up. */
      if (!ql_history_load_symbol_bars (store, symbol, timeframe, G_MININT64, to, bars, &inst,
                                        NULL, &error))
        return ql_cli_fail ("chart", error);
      /* Validated above, so this cannot fail. */
      if (tz != NULL && !ql_instrument_set_timezone (&inst, tz, &error))
        {
          ql_instrument_clear (&inst);
          return ql_cli_fail ("chart", error);
        }
    }
  if (from_text != NULL || to_text != NULL)
    {
      /* Bars [first, end) lie in [--from, --to). The chart ends at --to:
       * the legend, the last price and the right edge are the last bar
       * before it, as with --symbol (which loads up to --to); earlier bars
       * stay to warm the indicators up. */
      const QlTimeNs *time = ql_series_i64 (bars, QL_BAR_TIME);
      gsize end = bars->len, first = 0;
      while (end > 0 && time[end - 1] >= to)
        end--;
      while (first < end && time[first] < from)
        first++;
      if (first == end)
        {
          g_set_error (&error, QL_EXPORT_ERROR, QL_EXPORT_ERROR_FAILED,
                       "%s: no bars between %s and %s", data != NULL ? data : symbol,
                       from_text != NULL ? from_text : "the start of the data",
                       to_text != NULL ? to_text : "the end of the data");
          ql_instrument_clear (&inst);
          return ql_cli_fail ("chart", error);
        }
      ql_series_truncate (bars, end);
    }
  if (bars->len == 0)
    {
      ql_instrument_clear (&inst);
      g_set_error (&error, QL_EXPORT_ERROR, QL_EXPORT_ERROR_FAILED, "%s: no bars to chart",
                   data != NULL ? data : symbol);
      return ql_cli_fail ("chart", error);
    }

  g_autoptr (QlScene) scene = ql_scene_new (bars, &inst, have_tf ? &tf : NULL);
  int decimals = inst.price_scale;
  ql_instrument_clear (&inst);
  ql_scene_set_size (scene, width, height);
  ql_scene_set_theme (scene, ql_theme_get (theme));
  ql_scene_set_price_style (scene, style);
  ql_scene_pane_set_scale_mode (scene, 0, scale);
  if (!no_volume)
    {
      const double *vol = ql_series_f64 (bars, QL_BAR_VOLUME);
      gboolean any = FALSE;
      for (gsize i = 0; i < bars->len && !any; i++)
        any = vol[i] > 0;
      if (any)
        ql_scene_add_volume (scene, -1);
    }
  for (int i = 0; specs != NULL && specs[i] != NULL; i++)
    {
      int pane;
      g_autofree char *spec = split_pane (specs[i], &pane, &error);
      /* Panes are counted as they are added: 0 price, then volume (unless
       * --no-volume), then each indicator's own pane in --ind order. */
      if (ql_scene_add_indicator (scene, spec, pane, &error) < 0)
        return ql_cli_usage ("chart", "%s", error->message);
    }

  if (from_text != NULL || to_text != NULL)
    {
      /* Checked above: some bar lies in [from, to), and none after to. */
      const QlTimeNs *time = ql_series_i64 (bars, QL_BAR_TIME);
      ql_scene_show_time_range (scene, MAX (from, time[0]), time[bars->len - 1] + 1);
    }
  else
    ql_scene_show_last (scene, (double) bars->len);

  if (!ql_export_png (scene, backend, output, &error))
    {
      if (backend == QL_RENDER_BACKEND_GL && g_error_matches (error, QL_EXPORT_ERROR, QL_EXPORT_ERROR_UNAVAILABLE))
        {
          fprintf (stderr, "quantlab-cli chart: %s; rendering with cairo instead\n", error->message);
          g_clear_error (&error);
          ql_export_png (scene, QL_RENDER_BACKEND_CAIRO, output, &error);
        }
      if (error != NULL)
        return ql_cli_fail ("chart", error);
    }
  fprintf (stderr, "quantlab-cli chart: wrote %s (%dx%d, %zu bar%s, %u pane%s, prices to %d decimal%s)\n",
           output, width, height, (size_t) bars->len, bars->len == 1 ? "" : "s",
           ql_scene_get_n_panes (scene), ql_scene_get_n_panes (scene) == 1 ? "" : "s", decimals,
           decimals == 1 ? "" : "s");
  return QL_EXIT_OK;
}
