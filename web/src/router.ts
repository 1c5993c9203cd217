// Screens and who may open them; navigation is shaped by the roles in the access token.

import { createRouter, createWebHistory, type RouteRecordRaw } from "vue-router";

import { useAuthStore, type Role } from "./stores/auth";

declare module "vue-router" {
  interface RouteMeta {
    roles?: Role[];
    title?: string;
    public?: boolean;
  }
}

export const routes: RouteRecordRaw[] = [
  { path: "/login", component: () => import("./views/LoginView.vue"), meta: { public: true, title: "登录" } },
  {
    path: "/",
    component: () => import("./components/AppShell.vue"),
    children: [
      { path: "", redirect: () => useAuthStore().home() },
      {
        path: "intake",
        component: () => import("./views/IntakeView.vue"),
        meta: { roles: ["clerk", "supervisor", "admin"], title: "窗口受理" },
      },
      {
        path: "cases",
        component: () => import("./views/CaseDeskView.vue"),
        meta: { roles: ["clerk", "supervisor", "admin"], title: "案件台" },
      },
      {
        path: "applications",
        component: () => import("./views/ApplicationsView.vue"),
        meta: { roles: ["clerk", "supervisor"], title: "网上申请" },
      },
      {
        path: "cases/:id",
        component: () => import("./views/CaseDetailView.vue"),
        meta: { roles: ["clerk", "supervisor", "admin"], title: "案件详情" },
      },
      {
        path: "desks/:desk",
        component: () => import("./views/DeskView.vue"),
        meta: {
          roles: ["inspector", "legal_aid_officer", "petition_officer", "coordinator", "supervisor", "admin"],
          title: "部门办理",
        },
      },
      {
        path: "notifications",
        component: () => import("./views/NotificationsView.vue"),
        meta: {
          roles: [
            "clerk",
            "mediator",
            "supervisor",
            "inspector",
            "legal_aid_officer",
            "petition_officer",
            "coordinator",
          ],
          title: "通知中心",
        },
      },
      {
        path: "workbench",
        component: () => import("./views/WorkbenchView.vue"),
        meta: { roles: ["mediator"], title: "调解工作台" },
      },
      {
        path: "proceedings/:id",
        component: () => import("./views/ProceedingView.vue"),
        meta: { roles: ["mediator", "supervisor", "admin"], title: "调解程序" },
      },
      {
        path: "calculator",
        component: () => import("./views/CalculatorView.vue"),
        meta: { roles: ["mediator", "supervisor", "clerk", "admin"], title: "赔偿计算器" },
      },
      {
        path: "dashboard",
        component: () => import("./views/DashboardView.vue"),
        meta: { roles: ["supervisor", "admin"], title: "中心概览" },
      },
      {
        path: "assignments",
        component: () => import("./views/AssignmentsView.vue"),
        meta: { roles: ["supervisor", "admin"], title: "分派管理" },
      },
      {
        path: "registry",
        component: () => import("./views/RegistryView.vue"),
        meta: { roles: ["supervisor", "admin"], title: "调解员名册" },
      },
      {
        path: "pii-access",
        component: () => import("./views/PiiAccessView.vue"),
        meta: { roles: ["supervisor", "admin"], title: "个人信息查阅记录" },
      },
      {
        path: "administration",
        component: () => import("./views/AdminView.vue"),
        meta: { roles: ["admin", "supervisor"], title: "系统管理" },
      },
      {
        path: "deliveries",
        component: () => import("./views/DeliveriesView.vue"),
        meta: { roles: ["admin"], title: "对接推送记录" },
      },
    ],
  },
  // The receipt prints without the navigation around it.
  {
    path: "/receipt/:id",
    component: () => import("./views/ReceiptView.vue"),
    meta: { roles: ["clerk", "supervisor", "admin"], title: "受理回执" },
  },
  { path: "/:rest(.*)*", redirect: "/" },
];

export function createAppRouter() {
  const router = createRouter({ history: createWebHistory(), routes });
  router.beforeEach((to) => {
    const auth = useAuthStore();
    if (to.meta.public) return auth.loggedIn && to.path === "/login" ? auth.home() : true;
    if (!auth.loggedIn)
      return { path: "/login", query: to.fullPath !== "/" ? { redirect: to.fullPath } : {} };
    const roles = to.meta.roles;
    if (roles && !auth.hasRole(...roles)) return auth.home();
    return true;
  });
  router.afterEach((to) => {
    document.title = to.meta.title ? `${to.meta.title} · 一站式劳动纠纷调处平台` : "一站式劳动纠纷调处平台";
  });
  return router;
}
