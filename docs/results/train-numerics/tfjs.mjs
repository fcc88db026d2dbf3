// VGG8-w0.5 forward+backward throughput with TensorFlow.js (docs/train.md), random weights, NHWC.
// Not a dependency of memxbar: run in a scratch folder with
//   npm install @tensorflow/tfjs@4.22.0 @tensorflow/tfjs-backend-wasm@4.22.0 && node tfjs.mjs cpu|wasm [batch] [reps]
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
const backend = process.argv[2] ?? 'cpu';
const B = +(process.argv[3] ?? 16);
const reps = +(process.argv[4] ?? 2);
await tf.setBackend(backend); await tf.ready();
const ch = [3, 64, 64, 128, 128, 256, 256];
const W = [];
for (let i = 0; i < 6; i++) W.push(tf.variable(tf.randomNormal([3, 3, ch[i], ch[i + 1]], 0, 0.05)));
const F1 = tf.variable(tf.randomNormal([4096, 512], 0, 0.02)), F2 = tf.variable(tf.randomNormal([512, 10], 0, 0.05));
const x = tf.randomNormal([B, 32, 32, 3]);
const y = tf.oneHot(tf.tensor1d(Array.from({ length: B }, (_, i) => i % 10), 'int32'), 10);
const fwd = () => { let h = x; for (let i = 0; i < 6; i++) { h = tf.relu(tf.conv2d(h, W[i], 1, 'same')); if (i % 2) h = tf.maxPool(h, 2, 2, 'valid'); } h = tf.reshape(h, [B, 4096]); h = tf.relu(tf.matMul(h, F1)); return tf.losses.softmaxCrossEntropy(y, tf.matMul(h, F2)); };
const time = (f, n) => { f(); const t = performance.now(); for (let k = 0; k < n; k++) f(); return (performance.now() - t) / n; };
const tf_ = time(() => tf.tidy(() => fwd().dataSync()), reps);
console.log(JSON.stringify({ backend, B, forwardMsPerImage: +(tf_ / B).toFixed(2) }));
let tb = NaN; try { tb = time(() => tf.tidy(() => { const g = tf.variableGrads(fwd); Object.values(g.grads).forEach((t) => t.dataSync()); }), reps); } catch (e) { console.log('backward failed:', e.message.split('\n')[0]); }
console.log(JSON.stringify({ backend, B, forwardMsPerImage: +(tf_ / B).toFixed(2), fwdBwdMsPerImage: +(tb / B).toFixed(2) }));
