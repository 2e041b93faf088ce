/** @odoo-module **/

import {registry} from "@web/core/registry";
import {rpc} from "@web/core/network/rpc";
import {session} from "@web/session";

/**
 * A bulk operation queued in parts: its form follows the parts as the job runner
 * runs them (Odoo's bus), without a Refresh button and without reloading the page.
 */
async function runPart(index) {
    const operationId = Number(window.location.pathname.split("/").pop());
    const [operation] = await rpc("/web/dataset/call_kw/omni.bulk.operation/read", {
        model: "omni.bulk.operation",
        method: "read",
        args: [[operationId], ["job_uuids"]],
        kwargs: {},
    });
    const uuid = operation.job_uuids.split(",")[index];
    // as the job runner does: Odoo runs the job when asked over HTTP
    await fetch(`/queue_job/runjob?db=${encodeURIComponent(session.db)}&job_uuid=${uuid}`);
}

registry.category("web_tour.tours").add("omni_bulk_progress_tour", {
    steps: () => [
        {
            content: "The operation is queued, nothing done yet, no Refresh button",
            trigger: ".o_form_view div[name=state] .o_arrow_button_current:contains('Queued')",
        },
        {
            trigger: ".o_form_view div[name=done_count]:contains('0')",
        },
        {
            trigger: ".o_form_view .o_omni_bulk_live",
        },
        {
            trigger: ".o_form_view .o_form_statusbar:not(:has(button:contains('Refresh')))",
            run() {
                window.omniBulkTourPage = true;
            },
        },
        {
            content: "The job runner runs the first part",
            trigger: ".o_form_view",
            run: () => runPart(0),
        },
        {
            content: "The form follows: the first part's orders are done",
            trigger: ".o_form_view div[name=done_count]:contains('10')",
        },
        {
            trigger: ".o_form_view div[name=state] .o_arrow_button_current:contains('Running')",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=line_ids] .o_data_row:contains('TOUR-BULK-01')",
        },
        {
            content: "The job runner runs the other parts",
            trigger: ".o_form_view",
            run: async () => {
                await runPart(1);
                await runPart(2);
            },
        },
        {
            trigger: ".o_form_view div[name=done_count]:contains('25')",
        },
        {
            content: "Done, followed live",
            trigger: ".o_form_view div[name=state] .o_arrow_button_current:contains('Done')",
        },
        {
            content: "The page was never reloaded",
            trigger: ".o_form_view",
            run() {
                if (!window.omniBulkTourPage) {
                    throw new Error("the page was reloaded");
                }
            },
        },
        {
            trigger: ".o_form_view:not(:has(.o_omni_bulk_live))",
        },
    ],
});
