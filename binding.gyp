{
  "targets": [
    {
      "target_name": "memxbar_native",
      "sources": [
        "src/native/kernels/addon.cc",
        "src/native/kernels/threads.cc",
        "src/native/kernels/tensor.cc",
        "src/native/kernels/plan.cc",
        "src/native/kernels/general.cc",
        "src/native/kernels/gemm.cc",
        "src/native/kernels/bitsliced.cc",
        "src/native/kernels/histogram.cc"
      ],
      "include_dirs": ["<!@(node -p \"require('node-addon-api').include\")"],
      "defines": ["NAPI_DISABLE_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags_cc": ["-O3", "-march=native", "-fopenmp-simd", "-std=c++17"],
      "cflags_cc!": ["-fno-exceptions"]
    }
  ]
}
