/* tests/render/scenes.h — the reference scenes both backends are tested on
 * (test-cairo.c against tests/render/ref, test-gl.c against cairo and the
 * same references), and the seeded data they are built from: one copy, so
 * that the backends are always compared on the same pictures. */
#pragma once

#include "render/scene.h"

G_BEGIN_DECLS

/* 2024-03-04T14:30:00Z, 09:30 in New York. */
#define QL_TEST_T0 (G_GINT64_CONSTANT (1709562600) * QL_NS_PER_SEC)

/* Compares @scene, drawn by the backend under test, with reference @name. */
typedef void (*QlTestSceneCheck) (QlScene *scene, const char *name);

typedef struct
{
  const char *name; /* "candles": the reference is ref/candles.png */
  void (*run) (QlTestSceneCheck check);
} QlTestScene;

/* NULL-terminated. */
extern const QlTestScene ql_test_scenes[];

/* @n bars @step_ns apart from QL_TEST_T0, a seeded random walk: each close
 * moves by a uniform step of width @vol around @drift (in percent of the
 * price when @multiplicative). (transfer full) */
QlSeries *ql_test_walk_drift (gsize    n,
                              gint64   step_ns,
                              double   start,
                              double   vol,
                              double   drift,
                              gboolean multiplicative);
QlSeries *ql_test_walk (gsize    n,
                        gint64   step_ns,
                        double   start,
                        double   vol,
                        gboolean multiplicative);
/* "QLAB" in America/New_York, 2 decimals. */
void      ql_test_make_inst (QlInstrument *inst);

G_END_DECLS
