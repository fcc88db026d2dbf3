/**
 * The small typed layer graph memxbar runs: a chain of layers, as VGG-style
 * CNNs are. ONNX import (onnx.ts) and the VGG8 builder (vgg8.ts) both produce it.
 *
 * Tensors are float32, row-major. Activations are CHW for one image.
 */
import type { InputSpec } from '../data/input-spec.ts';

/** 2-D convolution. weight: [outC, inC, kH, kW]; bias: [outC]. BatchNorm is folded in. */
export interface ConvLayer {
  kind: 'conv';
  /** Name of the source node (ONNX node name or builder name); used in every error and report. */
  name: string;
  inC: number;
  outC: number;
  kH: number;
  kW: number;
  strideH: number;
  strideW: number;
  /** Padding: top, left, bottom, right (zeros). */
  pads: [number, number, number, number];
  weight: Float32Array;
  bias: Float32Array;
  /** A ReLU follows this layer directly. */
  relu: boolean;
}

/** Fully connected: y = W x + b. weight: [out, in] (row = one output). */
export interface FcLayer {
  kind: 'fc';
  name: string;
  inF: number;
  outF: number;
  weight: Float32Array;
  bias: Float32Array;
  relu: boolean;
}

export interface MaxPoolLayer {
  kind: 'maxpool';
  name: string;
  kH: number;
  kW: number;
  strideH: number;
  strideW: number;
}

/** CHW → flat vector (C·H·W, row-major), as ONNX Flatten(axis=1) on NCHW. */
export interface FlattenLayer {
  kind: 'flatten';
  name: string;
}

export type Layer = ConvLayer | FcLayer | MaxPoolLayer | FlattenLayer;
/** Layers whose weights live on crossbars. */
export type ComputeLayer = ConvLayer | FcLayer;

/** Input normalization: x = (pixel/255 − mean[c]) / std[c]. */
export type { InputSpec };

export interface Network {
  name: string;
  input: InputSpec;
  layers: Layer[];
  /** Number of classes (length of the final output). */
  classes: number;
}

export interface Shape {
  c: number;
  h: number;
  w: number;
}

export function isCompute(l: Layer): l is ComputeLayer {
  return l.kind === 'conv' || l.kind === 'fc';
}

/** Output shape of a layer for input shape `s` (a flat vector is {c: n, h: 1, w: 1}). */
export function outputShape(l: Layer, s: Shape): Shape {
  switch (l.kind) {
    case 'conv':
      return {
        c: l.outC,
        h: Math.floor((s.h + l.pads[0] + l.pads[2] - l.kH) / l.strideH) + 1,
        w: Math.floor((s.w + l.pads[1] + l.pads[3] - l.kW) / l.strideW) + 1,
      };
    case 'maxpool':
      return { c: s.c, h: Math.floor((s.h - l.kH) / l.strideH) + 1, w: Math.floor((s.w - l.kW) / l.strideW) + 1 };
    case 'flatten':
      return { c: s.c * s.h * s.w, h: 1, w: 1 };
    case 'fc':
      return { c: l.outF, h: 1, w: 1 };
  }
}

/** Shapes before each layer and after the last: shapes[i] is the input of layers[i]. */
export function shapes(net: Network): Shape[] {
  const out: Shape[] = [{ c: net.input.channels, h: net.input.height, w: net.input.width }];
  for (const l of net.layers) out.push(outputShape(l, out[out.length - 1]!));
  return out;
}

/** Rows of the crossbar weight matrix (im2col): inC·kH·kW for conv, inF for fc. */
export function matrixRows(l: ComputeLayer): number {
  return l.kind === 'conv' ? l.inC * l.kH * l.kW : l.inF;
}

/** Columns of the crossbar weight matrix: one per output channel / feature. */
export function matrixCols(l: ComputeLayer): number {
  return l.kind === 'conv' ? l.outC : l.outF;
}
