/** @odoo-module **/

import {registry} from "@web/core/registry";

/**
 * A manual B2C order (phone desk) on the order desk's form: a channel order, not
 * a quotation; its next step, Confirm, is the one primary button.
 */
registry.category("web_tour.tours").add("omni_manual_order_form_tour", {
    steps: () => [
        {
            content: "The lifecycle as the status bar",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Buffered')",
        },
        {
            content: "No quotation button",
            trigger: ".o_form_view .o_statusbar_buttons:not(:has(button[name=action_quotation_send])):not(:has(button[name=action_preview_sale_order]))",
        },
        {
            content: "One primary button: Confirm",
            trigger: ".o_form_view .o_statusbar_buttons:not(:has(.btn-primary:not([name=action_confirm])))",
        },
        {
            trigger: ".o_form_view .o_statusbar_buttons button.btn-primary[name=action_confirm]",
            run: "click",
        },
        {
            content: "Confirmed",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Confirmed')",
        },
    ],
});
