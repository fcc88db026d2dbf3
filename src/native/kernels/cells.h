// The per-cell path of runLayer (cells.cc): every read, column by column, from the cells'
// integer conductances (docs/model.md §9.6, §10) instead of bit planes.
#pragma once

#include "plan.h"

namespace mx {

// Prepares the chunked variant (sets Jp, a multiple of 64, and Plan::cellsChunked when every
// unit's columns lie in one chunk of 64 columns); call before the cell tables are laid out.
void prepareCellsChunked(Plan& p);
// Runs the chunked variant when prepared, else runCells.
void runCellsAny(const Plan& pl, const int32_t* x, int64_t P, double* acc, int threads, double* hist, int64_t histBins, RunStats& out);

void runCells(const Plan& pl, const int32_t* x, int64_t P, double* acc, int threads, double* hist, int64_t histBins, RunStats& out);

// out[j] = columnNoise(V[j], M[j], mixKey(key, j)) for j in [0, n): the vectorised twin of
// counter_rng.h columnNoise (the same integers, lane by lane).
void columnNoiseRow(const int64_t* V, const int64_t* M, uint32_t key, int64_t n, int64_t* out);
void columnNoiseRow32(const int32_t* V, const int32_t* M, uint32_t key, int64_t n, int64_t* out);

}  // namespace mx
