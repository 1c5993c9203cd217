import "element-plus/dist/index.css";
import "./styles.css";

import ElementPlus from "element-plus";
import zhCn from "element-plus/es/locale/lang/zh-cn";
import { createPinia } from "pinia";
import { createApp } from "vue";

import App from "./App.vue";
import { installApi } from "./api";
import { createAppRouter } from "./router";
import { useAuthStore } from "./stores/auth";
import { useConnectionStore } from "./stores/connection";
import { installPickerTabGuard } from "./utils/focus";

const app = createApp(App);
const pinia = createPinia();
app.use(pinia);
app.use(ElementPlus, { locale: zhCn });

const auth = useAuthStore();
const connection = useConnectionStore();
auth.restore();
const router = createAppRouter();
installApi(
  {
    accessToken: () => auth.validAccessToken(),
    refresh: () => auth.refresh().catch(() => false),
    expired: () => {
      auth.end("登录已失效，请重新登录");
      void router.push({ path: "/login", query: { redirect: router.currentRoute.value.fullPath } });
    },
  },
  connection,
);
app.use(router);
app.mount("#app");
installPickerTabGuard();
