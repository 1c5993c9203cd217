/// <reference types="vitest/config" />
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, URL } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

import vue from "@vitejs/plugin-vue";
import { defineConfig, type Plugin } from "vite";

/** Writes `name.br` and `name.gz` beside every compressible built file, so the gateway sends them
 * as they are (gateway/src/gateway/spa/router.py) instead of compressing on every request. */
function precompress(): Plugin {
  let outDir = "dist";
  const compressible = /\.(js|mjs|css|html|svg|json|txt|map)$/;
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? walk(path) : [path];
    });
  return {
    name: "onewindow-precompress",
    apply: "build",
    configResolved(config) {
      outDir = config.build.outDir;
    },
    closeBundle() {
      for (const path of walk(outDir)) {
        if (!compressible.test(path)) continue;
        const body = readFileSync(path);
        if (body.length < 512) continue;
        writeFileSync(
          path + ".br",
          brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
        );
        writeFileSync(path + ".gz", gzipSync(body, { level: 9 }));
      }
    },
  };
}

// `npm run dev` proxies the APIs to a gateway started by `make run` (override with GATEWAY_URL).
const gateway = process.env.GATEWAY_URL ?? "http://127.0.0.1:8000";

export default defineConfig({
  plugins: [vue(), precompress()],
  resolve: { alias: { "@": fileURLToPath(new URL("./src", import.meta.url)) } },
  server: {
    proxy: Object.fromEntries(
      ["/api", "/auth", "/health", "/admin", "/.well-known"].map((p) => [p, gateway]),
    ),
  },
  build: {
    chunkSizeWarningLimit: 1500,
    rollupOptions: {
      // The parties' portal is its own page and chunk graph: it never loads Element Plus.
      input: {
        main: fileURLToPath(new URL("./index.html", import.meta.url)),
        portal: fileURLToPath(new URL("./portal/index.html", import.meta.url)),
      },
      output: {
        // Vue in a chunk of its own (highest priority), so the portal shares it with the clerks'
        // app without pulling in Element Plus, whose chunk would otherwise absorb it.
        codeSplitting: {
          groups: [
            { name: "vue", test: /node_modules[\\/](@vue|vue)[\\/]/, priority: 30 },
            {
              name: "element-plus",
              test: /node_modules[\\/](element-plus|@element-plus)[\\/]/,
              priority: 20,
            },
            { name: "echarts", test: /node_modules[\\/](echarts|zrender)[\\/]/, priority: 20 },
          ],
        },
      },
    },
  },
  test: {
    environment: "happy-dom",
    include: ["tests/**/*.test.ts"],
  },
});
