/** @odoo-module **/

import {registry} from "@web/core/registry";

/**
 * An order desk user opens a plain quotation (no channel) from the order desk:
 * Odoo's quotation form as Odoo shows it, in the desk's form too.
 */
registry.category("web_tour.tours").add("omni_plain_quotation_desk_tour", {
    steps: () => [
        {
            content: "Odoo's status bar: Quotation, Quotation Sent, Sales Order",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Quotation')",
        },
        {
            trigger: ".o_form_view .o_statusbar_status:contains('Quotation Sent'):contains('Sales Order'):not(:contains('Buffered'))",
        },
        {
            content: "Odoo's buttons: Send by Email first, Confirm, Preview",
            trigger: ".o_form_view .o_statusbar_buttons button.btn-primary[name=action_quotation_send]",
        },
        {
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_confirm]:not(.btn-primary)",
        },
        {
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_preview_sale_order]",
        },
        {
            content: "The quotation's tabs",
            trigger: ".o_form_view .o_notebook_headers a:contains('Optional Products')",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=order_line] .o_data_row:contains('Tour Mug')",
        },
    ],
});
