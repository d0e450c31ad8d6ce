/* profkit: read, analyse and render Python profiles. The umbrella header. */
#ifndef PROFKIT_PROFKIT_H
#define PROFKIT_PROFKIT_H

#include "analysis.h"
#include "callgraph.h"
#include "diff.h"
#include "error.h"
#include "flame.h"
#include "io.h"
#include "lines.h"
#include "memory.h"
#include "profile.h"
#include "render.h"
#include "stacks.h"

#endif
